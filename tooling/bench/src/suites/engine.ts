import { createReadStream, createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { prepareRecords, tableColumns } from '@ledgerport/core'
import { createSyntheticSource } from '@ledgerport/core/testing'
import { createPostgresDatabase } from '@ledgerport/test-kit'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { runInChild } from '../child-run.js'
import { timed } from '../measure.js'
import type { BenchRow } from '../report.js'
import { createWorkDir } from '../work-dir.js'

const SUITE = 'engine'
/** Synthetic round trips per 1,000 orders: 2 of 3 trades are closed and have an exit order. */
const TRADES_PER_ORDER = 3 / 5

/**
 * The data-migration engine into PostgreSQL: N synthetic orders through `DataMigrator` (UUIDv5 ids,
 * validation, row hashes, COPY into staging, upsert, checkpoints) in a child process, against a
 * plain COPY of the very same rows (prepared beforehand, not timed) into an index-free copy of the
 * table, in the same run. At 100k and 1M orders, so peak RSS can be compared across sizes.
 */
export async function engineSuite(sizes: ReadonlyArray<number> = sizesFromArgv()): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const work = await createWorkDir(SUITE)
  try {
    for (const orders of sizes) {
      const trades = Math.round(orders * TRADES_PER_ORDER)
      const baselineDb = await createPostgresDatabase('lp_bench')
      const engineDb = await createPostgresDatabase('lp_bench')
      try {
        const file = join(work.path, `orders-${orders}.tsv`)
        const count = await writeCopyFile(file, trades)
        const client = new pg.Client({ connectionString: baselineDb.url })
        await client.connect()
        await client.query(
          `create table orders (${tableColumns('orders')
            .map((c) => `"${c}" text`)
            .join(', ')})`,
        )
        const baseline = await timed(async () => {
          await pipeline(createReadStream(file), client.query(copyFrom('COPY orders FROM STDIN')))
        })
        await client.end()
        const engine = await runInChild({
          from: 'synthetic',
          options: { trades, seed: 11, only: 'orders' },
          to: engineDb.url,
        })
        const label = `${orders.toLocaleString('en')} orders`
        const baselineRow: BenchRow = {
          suite: SUITE,
          case: `plain COPY, ${label}`,
          wallMs: baseline.wallMs,
          minMs: baseline.wallMs,
          maxMs: baseline.wallMs,
          runs: 1,
          baseline: `plain COPY, ${label}`,
          ratio: 1,
          rows: count,
          rowsPerSecond: Math.round(count / (baseline.wallMs / 1000)),
          peakRssMb: process.resourceUsage().maxRSS / 1024,
        }
        rows.push(baselineRow, {
          suite: SUITE,
          case: `ledgerport run, ${label}`,
          wallMs: engine.wallMs,
          minMs: engine.wallMs,
          maxMs: engine.wallMs,
          runs: 1,
          baseline: baselineRow.case,
          ratio: engine.wallMs / baseline.wallMs,
          rows: engine.rows,
          rowsPerSecond: Math.round(engine.rows / (engine.wallMs / 1000)),
          peakRssMb: engine.peakRssMb,
        })
      } finally {
        await baselineDb.drop()
        await engineDb.drop()
      }
    }
  } finally {
    await work.cleanup()
  }
  return rows
}

/** The rows the engine writes, as COPY text: the same ids, hashes and values. Returns the row count. */
async function writeCopyFile(file: string, trades: number): Promise<number> {
  const columns = tableColumns('orders')
  const out = createWriteStream(file)
  const source = createSyntheticSource({ trades, seed: 11, only: 'orders' }, 5_000)
  let count = 0
  for (const stream of await source.discover()) {
    for await (const batch of source.read(stream)) {
      const prepared = prepareRecords(batch.records, {
        source: 'synthetic',
        runId: 'bench',
        timeZone: 'UTC',
        stream: stream.name,
      })
      const lines: string[] = []
      for (const row of prepared.rows.get('orders') ?? []) {
        lines.push(
          columns
            .map((c) =>
              row[c] === null || row[c] === undefined ? '\\N' : String(row[c]).replace(/[\\\t\n\r]/g, ' '),
            )
            .join('\t'),
        )
        count++
      }
      if (!out.write(`${lines.join('\n')}\n`))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()))
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  )
  return count
}

function sizesFromArgv(): number[] {
  return process.argv.includes('--quick') ? [100_000] : [100_000, 1_000_000]
}
