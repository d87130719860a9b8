import { execFile, spawn } from 'node:child_process'
import { copyFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { connect, quoteIdentifier } from '@ledgerport/core'
import { describeSourceTable, targetColumnType } from '@ledgerport/replicate'
import {
  createPostgresDatabase,
  type ScratchDatabase,
  touchFreqtradeTrades,
  writeFreqtradeBenchDatabase,
} from '@ledgerport/test-kit'
import { sql } from 'kysely'
import type { ReplicateChildResult, ReplicateChildRun } from '../replicate-child.js'
import type { BenchRow } from '../report.js'
import { createWorkDir, WORK_ROOT } from '../work-dir.js'

const SUITE = 'replicate'
const exec = promisify(execFile)
const CHILD = fileURLToPath(new URL('../replicate-child.js', import.meta.url))
const NODE_BASELINE = fileURLToPath(new URL('../replicate-node-baseline.js', import.meta.url))
const TABLES = ['trades', 'orders'] as const

/**
 * `ledgerport replicate` of workload W1 — a current-schema Freqtrade SQLite database, N trades and
 * 2N orders (100,000 trades; also 1,000,000, about 1 GB, with `--full`) — into PostgreSQL, against
 * baselines measured in the same run on the same server:
 * - raw: `sqlite3 -csv … | psql -c '\copy … csv'`, both tables in parallel (when both CLIs exist);
 * - node: better-sqlite3 `.raw().iterate()` → text → pg-copy-streams, both tables in one process;
 * - ledgerport replicate: first run (types converted, row hashes kept, checkpoints, then keys and
 *   indexes), an unchanged re-run (the file is not read), the same with `--full` (every row read,
 *   hashed and compared), and a re-run after 1% of the trades and 1% of the orders changed.
 * Every case runs in its own process; wall time is the whole process. Baselines load into tables of
 * the same column types, without keys or indexes. Goals (not asserted): first run ≤ 1.25× raw, peak
 * RSS ≤ 256 MB at every size, unchanged re-run ≤ 0.3× the first run.
 */
export async function replicateSuite(
  sizes: ReadonlyArray<number> = process.argv.includes('--full') ? [100_000, 1_000_000] : [100_000],
): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const work = await createWorkDir(SUITE)
  try {
    for (const trades of sizes) rows.push(...(await measureSize(trades, work.path)))
  } finally {
    await work.cleanup()
  }
  return rows
}

async function measureSize(trades: number, workDir: string): Promise<BenchRow[]> {
  const cached = join(WORK_ROOT, `replicate-w1-${trades}.sqlite`)
  if (!(await exists(cached))) {
    console.error(`bench: writing W1 with ${trades.toLocaleString('en')} trades…`)
    writeFreqtradeBenchDatabase(cached, { trades })
  }
  // A copy per run: the 1% change below edits it.
  const file = join(workDir, `w1-${trades}.sqlite`)
  await copyFile(cached, file)
  const rowCount = trades * 3
  const label = `${trades.toLocaleString('en')} trades + ${(trades * 2).toLocaleString('en')} orders (${Math.round((await stat(file)).size / 1e6)} MB)`
  const databases: ScratchDatabase[] = []
  const database = async (): Promise<ScratchDatabase> => {
    const created = await createPostgresDatabase('lp_bench')
    databases.push(created)
    return created
  }
  const rows: BenchRow[] = []
  const row = (name: string, wallMs: number, peakRssMb: number, baseline?: BenchRow): BenchRow => ({
    suite: SUITE,
    case: `${name}, ${label}`,
    wallMs,
    minMs: wallMs,
    maxMs: wallMs,
    runs: 1,
    ...(baseline ? { baseline: baseline.case, ratio: wallMs / baseline.wallMs } : {}),
    rows: rowCount,
    rowsPerSecond: Math.round(rowCount / (wallMs / 1000)),
    peakRssMb,
  })
  try {
    let raw: BenchRow | undefined
    if ((await hasCommand('sqlite3')) && (await hasCommand('psql'))) {
      const target = await database()
      await createPlainTables(file, target.url)
      const pipes = TABLES.map(
        (table) =>
          `(sqlite3 -csv ${shell(file)} ${shell(`SELECT * FROM "${table}"`)} | psql -q ${shell(target.url)} -c ${shell(`\\copy "${table}" from stdin csv`)})`,
      )
      const measured = await timedProcess('bash', ['-c', `set -e; ${pipes.join(' & ')} & wait`])
      raw = row('raw: sqlite3 -csv | psql \\copy (tables in parallel)', measured.wallMs, measured.peakRssMb)
      raw = { ...raw, baseline: raw.case, ratio: 1 }
      rows.push(raw)
    } else console.error('bench: sqlite3 or psql is missing; the raw baseline is skipped.')

    const nodeTarget = await database()
    await createPlainTables(file, nodeTarget.url)
    const node = await timedProcess(process.execPath, [NODE_BASELINE, file, nodeTarget.url, ...TABLES])
    rows.push(row('node: better-sqlite3 → pg-copy-streams', node.wallMs, node.peakRssMb, raw))

    const target = await database()
    // `reads`: whether the run must read every row (an unchanged file is not read at all).
    const replicate = (name: string, options: { full?: boolean; reads?: boolean } = {}) =>
      timedProcess(process.execPath, [
        CHILD,
        JSON.stringify({
          from: `sqlite:${file}`,
          to: target.url,
          ...(options.full ? { full: true } : {}),
        } satisfies ReplicateChildRun),
      ]).then((measured) => {
        const result = JSON.parse(measured.stdout) as ReplicateChildResult
        const expected = options.reads === false ? 0 : rowCount
        if (result.read !== expected)
          throw new Error(`${name}: read ${result.read} rows, expected ${expected}`)
        return { measured, result }
      })
    const first = await replicate('first run')
    const firstRow = row(
      'ledgerport replicate, first run',
      first.measured.wallMs,
      first.result.peakRssMb,
      raw,
    )
    rows.push(firstRow)
    // The source file has not changed since (and was written over a second ago): not read.
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    const unchanged = await replicate('unchanged re-run', { reads: false })
    if (unchanged.result.unchanged !== rowCount) throw new Error('the unchanged re-run found changes')
    rows.push(
      row(
        `ledgerport replicate, unchanged re-run (${(unchanged.measured.wallMs / first.measured.wallMs).toFixed(2)}x first)`,
        unchanged.measured.wallMs,
        unchanged.result.peakRssMb,
        raw,
      ),
    )
    const compared = await replicate('unchanged re-run, --full', { full: true })
    if (compared.result.unchanged !== rowCount) throw new Error('the --full re-run found changes')
    rows.push(
      row(
        `ledgerport replicate --full, unchanged re-run, every row compared (${(compared.measured.wallMs / first.measured.wallMs).toFixed(2)}x first)`,
        compared.measured.wallMs,
        compared.result.peakRssMb,
        raw,
      ),
    )
    const changed = touchFreqtradeTrades(file, 100) + (await touchOrders(file, 100))
    const after = await replicate('re-run after 1% changed')
    if (after.result.updated !== changed)
      throw new Error(`expected ${changed} updated rows, got ${after.result.updated}`)
    rows.push(
      row(
        `ledgerport replicate, re-run after 1% changed (${(after.measured.wallMs / first.measured.wallMs).toFixed(2)}x first)`,
        after.measured.wallMs,
        after.result.peakRssMb,
        raw,
      ),
    )
  } finally {
    for (const created of databases) await created.drop().catch(() => {})
  }
  return rows
}

/** The W1 tables in PostgreSQL with ledgerport's column types, no keys or indexes (for the baselines). */
async function createPlainTables(file: string, url: string): Promise<void> {
  const source = await connect(`sqlite:${file}`, { readonly: true })
  const target = await connect(url)
  try {
    for (const name of TABLES) {
      const table = await describeSourceTable(source, name)
      const columns = table.columns.map(
        (column) => `${quoteIdentifier(column.name)} ${targetColumnType(column, 'sqlite', 'postgres')}`,
      )
      await sql.raw(`create table ${quoteIdentifier(name)} (${columns.join(', ')})`).execute(target.db)
    }
  } finally {
    await source.close()
    await target.close()
  }
}

/** Changes every `every`-th order (its `remaining` moves), as a running bot does. Returns how many. */
async function touchOrders(file: string, every: number): Promise<number> {
  const connection = await connect(`sqlite:${file}`)
  try {
    const result =
      await sql`update orders set remaining = coalesce(remaining, 0) + 1 where id % ${every} = 0`.execute(
        connection.db,
      )
    return Number(result.numAffectedRows ?? 0)
  } finally {
    await connection.close()
  }
}

/** Runs a process to its end: wall time, stdout, and its peak RSS (`/usr/bin/time` when present). */
async function timedProcess(
  command: string,
  args: ReadonlyArray<string>,
): Promise<{ wallMs: number; peakRssMb: number; stdout: string }> {
  const timer = (await exists('/usr/bin/time')) ? '/usr/bin/time' : undefined
  const started = performance.now()
  const child = spawn(timer ?? command, timer ? ['-f', 'maxrss=%M', command, ...args] : [...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  const wallMs = performance.now() - started
  if (code !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim().slice(-2000)}`)
  const maxrss = /maxrss=(\d+)/.exec(stderr)?.[1]
  return { wallMs, peakRssMb: maxrss ? Number(maxrss) / 1024 : Number.NaN, stdout }
}

async function hasCommand(name: string): Promise<boolean> {
  try {
    await exec('bash', ['-c', `command -v ${name}`])
    return true
  } catch {
    return false
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

function shell(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}
