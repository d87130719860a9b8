import { type BenchRow, renderTable, writeResults } from './report.js'
import { engineSuite } from './suites/engine.js'
import { freqtradeSuite } from './suites/freqtrade.js'
import { jsonSuite } from './suites/json.js'
import { migrateSuite } from './suites/migrate.js'
import { replicateSuite } from './suites/replicate.js'

/** Every suite, in the order `pnpm bench` runs them. Later suites (engine, replicate, freqtrade) go here. */
const SUITES: Readonly<Record<string, () => Promise<BenchRow[]>>> = {
  migrate: migrateSuite,
  engine: () => engineSuite(),
  json: () => jsonSuite(),
  replicate: () => replicateSuite(),
  freqtrade: () => freqtradeSuite(),
}

/**
 * `pnpm bench` runs every suite; `pnpm bench migrate` (or several names) only those. Prints a table
 * and writes the same rows as JSON under `tooling/bench/results/`. Exit 2 for an unknown suite.
 */
async function main(argv: ReadonlyArray<string>): Promise<number> {
  const requested = argv.filter((arg) => arg !== '--' && !arg.startsWith('--'))
  if (requested.some((arg) => arg === '--help' || arg === '-h')) {
    console.log(`Usage: pnpm bench [suite...]\nSuites: ${Object.keys(SUITES).join(', ')}`)
    return 0
  }
  const unknown = requested.filter((name) => !Object.hasOwn(SUITES, name))
  if (unknown.length) {
    console.error(`Unknown bench suite ${unknown.join(', ')}. Suites: ${Object.keys(SUITES).join(', ')}.`)
    return 2
  }
  const suites = requested.length ? [...new Set(requested)] : Object.keys(SUITES)
  const startedAt = new Date()
  const rows: BenchRow[] = []
  for (const suite of suites) {
    console.error(`bench: running ${suite}…`)
    rows.push(...(await SUITES[suite]!()))
  }
  console.log(renderTable(rows))
  console.log('wall ms: median of the timed runs; peak RSS: the process high-water mark after the case.')
  const file = await writeResults(rows, { suites, startedAt })
  console.log(`results written to ${file}`)
  return 0
}

process.exitCode = await main(process.argv.slice(2))
