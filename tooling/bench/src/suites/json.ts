import { join } from 'node:path'
import { createPostgresDatabase, writeLargeTradesHistory } from '@ledgerport/test-kit'
import { runInChild } from '../child-run.js'
import type { BenchRow } from '../report.js'
import { createWorkDir } from '../work-dir.js'

const SUITE = 'json'

/**
 * A broker bot's `trades_history.json` (100,000 trades; 1,000,000 — about 1 GB — with `--full`)
 * through the `json-files` source into SQLite and into PostgreSQL, each run in its own process:
 * wall time, source records per second, peak RSS (goal ≤ 256 MB, flat as the file grows).
 */
export async function jsonSuite(
  trades: number = process.argv.includes('--full') ? 1_000_000 : 100_000,
): Promise<BenchRow[]> {
  const work = await createWorkDir(SUITE)
  const rows: BenchRow[] = []
  try {
    const file = await writeLargeTradesHistory(join(work.path, 'data', 'trades_history.json'), { trades })
    const label = `${trades.toLocaleString('en')} trades (${Math.round(file.bytes / 1e6)} MB)`
    const postgres = await createPostgresDatabase('lp_bench')
    try {
      for (const [name, to] of [
        ['sqlite', `sqlite:${join(work.path, 'ledgerport.db')}`],
        ['postgres', postgres.url],
      ] as const) {
        const result = await runInChild({ from: 'json-files', options: { tradesHistory: file.path }, to })
        rows.push({
          suite: SUITE,
          case: `json-files → ${name}, ${label}`,
          wallMs: result.wallMs,
          minMs: result.wallMs,
          maxMs: result.wallMs,
          runs: 1,
          rows: result.read,
          rowsPerSecond: Math.round(result.read / (result.wallMs / 1000)),
          peakRssMb: result.peakRssMb,
        })
      }
    } finally {
      await postgres.drop()
    }
  } finally {
    await work.cleanup()
  }
  return rows
}
