import { execFile } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  createPostgresDatabase,
  type ScratchDatabase,
  touchFreqtradeTrades,
  writeFreqtradeBenchDatabase,
} from '@ledgerport/test-kit'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { runInChild } from '../child-run.js'
import type { BenchRow } from '../report.js'
import type { ChildResult } from '../run-child.js'
import { createWorkDir } from '../work-dir.js'

const SUITE = 'freqtrade'
const exec = promisify(execFile)
const SELF = fileURLToPath(import.meta.url)
/** The argument that makes this module the raw-copy child process instead of a suite. */
const RAW_COPY = '--raw-copy-child'
const TABLES = ['trades', 'orders'] as const

/** What the raw-copy child measured. */
interface RawCopyResult {
  readonly wallMs: number
  readonly rows: number
  readonly peakRssMb: number
}

/**
 * `ledgerport run --from freqtrade-sqlite` into PostgreSQL: a current-schema Freqtrade database of
 * N trades and 2N orders (100,000 trades; 1,000,000, about 1 GB, with `--full`), against a raw copy
 * of the same tables measured in the same run on the same server: better-sqlite3 `.raw().iterate()`
 * → tab-separated text → pg-copy-streams `COPY`, both tables at once in one process, into text
 * tables without keys or indexes. Then the run (canonical mapping, UUIDv5 ids, row hashes, upsert,
 * checkpoints), an unchanged re-run, a sync of the unchanged files, and a sync after 1% of the trades
 * changed, as ratios to the first run. Every case runs in its own process (its peak RSS is its own);
 * wall time is the copy or the run, not process start-up or schema creation. rows/s counts source rows (trades + orders).
 * Goals (not asserted): first run ≤ 2.5× the raw copy, peak RSS ≤ 256 MB and flat in size,
 * unchanged re-run ≤ 0.3× and sync after 1% changed ≤ 0.1× the first run.
 */
export async function freqtradeSuite(
  trades: number = process.argv.includes('--full') ? 1_000_000 : 100_000,
): Promise<BenchRow[]> {
  const work = await createWorkDir(SUITE)
  const databases: ScratchDatabase[] = []
  try {
    console.error(`bench: writing a Freqtrade database with ${trades.toLocaleString('en')} trades…`)
    const path = join(work.path, 'bot', 'user_data', 'tradesv3.sqlite')
    const written = writeFreqtradeBenchDatabase(path, { trades })
    const sourceRows = written.trades + written.orders
    const label = `${written.trades.toLocaleString('en')} trades + ${written.orders.toLocaleString('en')} orders (${Math.round((await stat(path)).size / 1e6)} MB)`
    const row = (name: string, wallMs: number, peakRssMb: number, baseline?: BenchRow): BenchRow => ({
      suite: SUITE,
      case: `${name}, ${label}`,
      wallMs,
      minMs: wallMs,
      maxMs: wallMs,
      runs: 1,
      ...(baseline ? { baseline: baseline.case, ratio: wallMs / baseline.wallMs } : {}),
      rows: sourceRows,
      rowsPerSecond: Math.round(sourceRows / (wallMs / 1000)),
      peakRssMb,
    })

    const copyTarget = await createPostgresDatabase('lp_bench')
    databases.push(copyTarget)
    const { stdout } = await exec(process.execPath, [SELF, RAW_COPY, path, copyTarget.url], {
      maxBuffer: 1 << 20,
    })
    const copied = JSON.parse(stdout) as RawCopyResult
    if (copied.rows !== sourceRows) throw new Error(`raw copy: ${copied.rows} rows, expected ${sourceRows}`)
    const raw = row('raw COPY (better-sqlite3 → pg-copy-streams)', copied.wallMs, copied.peakRssMb)
    const rows: BenchRow[] = [{ ...raw, baseline: raw.case, ratio: 1 }]

    const target = await createPostgresDatabase('lp_bench')
    databases.push(target)
    const run = async (
      expect: (result: ChildResult) => string | undefined,
      incremental = false,
    ): Promise<ChildResult> => {
      const result = await runInChild({
        from: 'freqtrade-sqlite',
        options: { db: [path] },
        to: target.url,
        ...(incremental ? { incremental } : {}),
      })
      const wrong = expect(result)
      if (wrong) throw new Error(`ledgerport run: ${wrong} (${JSON.stringify(result)})`)
      return result
    }
    // Every record (the bot, a round trip per trade, every order, a fill per filled order) is new.
    const first = await run((r) =>
      r.inserted !== r.read || r.read <= sourceRows ? 'not every record was inserted' : undefined,
    )
    const firstRow = row('ledgerport run → postgres, first run', first.wallMs, first.peakRssMb, raw)
    rows.push(firstRow)
    const unchanged = await run((r) =>
      r.inserted || r.updated || r.rows !== first.inserted ? 'the unchanged re-run wrote rows' : undefined,
    )
    rows.push(row('ledgerport run, unchanged re-run', unchanged.wallMs, unchanged.peakRssMb, firstRow))
    // `sync`: a bot whose files are unchanged is not read at all.
    const idle = await run((r) => (r.inserted || r.updated ? 'the idle sync wrote rows' : undefined), true)
    rows.push(row('ledgerport sync, files unchanged', idle.wallMs, idle.peakRssMb, firstRow))
    const touched = touchFreqtradeTrades(path, 100)
    const changed = await run(
      (r) => (r.updated !== touched || r.inserted ? `expected ${touched} updated round trips` : undefined),
      true,
    )
    rows.push(row('ledgerport sync after 1% of trades changed', changed.wallMs, changed.peakRssMb, firstRow))
    return rows
  } finally {
    for (const database of databases) await database.drop().catch(() => {})
    await work.cleanup()
  }
}

/** The parts of better-sqlite3 the raw copy uses (resolved through `@ledgerport/core`). */
interface SqliteStatement {
  raw(toggle: boolean): SqliteStatement
  columns(): Array<{ name: string }>
  iterate(): IterableIterator<unknown[]>
}
type SqliteConstructor = new (
  path: string,
  options: { readonly: boolean },
) => { prepare(sql: string): SqliteStatement; close(): void }

const SPECIAL = /[\\\t\n\r]/

/** A value in COPY's text format (a REAL as its shortest round-trip text). */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N'
  const text = typeof value === 'string' ? value : String(value)
  if (!SPECIAL.test(text)) return text
  return text.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  )
}

/**
 * The raw copy, in its own process: creates a text table per Freqtrade table (untimed), then copies
 * both tables at once and prints a {@link RawCopyResult}.
 */
async function rawCopy(path: string, url: string): Promise<void> {
  const require = createRequire(fileURLToPath(import.meta.resolve('@ledgerport/core')))
  const Database = require('better-sqlite3') as SqliteConstructor
  const jobs = await Promise.all(
    TABLES.map(async (table) => {
      const db = new Database(path, { readonly: true })
      const statement = db.prepare(`SELECT * FROM "${table}"`).raw(true)
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      const columns = statement.columns().map((column) => `"${column.name}" text`)
      await client.query(`create table "${table}" (${columns.join(', ')})`)
      return { db, statement, client, table }
    }),
  )
  const started = performance.now()
  const counts = await Promise.all(
    jobs.map(async ({ statement, client, table }) => {
      const stream = client.query(copyFrom(`COPY "${table}" FROM STDIN`))
      const done = new Promise<void>((resolve, reject) => {
        stream.on('finish', resolve)
        stream.on('error', reject)
      })
      let rows = 0
      let chunk = ''
      for (const values of statement.iterate()) {
        for (let i = 0; i < values.length; i++) chunk += i ? `\t${copyText(values[i])}` : copyText(values[i])
        chunk += '\n'
        rows++
        if (chunk.length > 1 << 20) {
          if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve))
          chunk = ''
        }
      }
      stream.end(chunk)
      await done
      return rows
    }),
  )
  const wallMs = performance.now() - started
  for (const { db, client } of jobs) {
    db.close()
    await client.end()
  }
  const result: RawCopyResult = {
    wallMs,
    rows: counts.reduce((sum, n) => sum + n, 0),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

if (process.argv[1] === SELF && process.argv[2] === RAW_COPY)
  await rawCopy(process.argv[3]!, process.argv[4]!)
