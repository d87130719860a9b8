import { performance } from 'node:perf_hooks'
import { createSyntheticSource, DataMigrator } from '@ledgerport/core'
import { target } from '@ledgerport/target-postgres'

/**
 * One engine run in its own process, so its peak RSS is its own: synthetic orders into PostgreSQL.
 * `node engine-child.js URL TRADES` prints `{ wallMs, rows, peakRssMb }`.
 */
async function main(url: string, trades: number): Promise<void> {
  const context = { timezone: 'UTC', batchSize: 5_000, cwd: process.cwd(), warn: () => {} }
  const pg = await target.create(url, {}, context)
  await pg.prepare()
  const started = performance.now()
  const result = await new DataMigrator({
    source: createSyntheticSource({ trades, seed: 11, only: 'orders' }, 5_000),
    sourceName: 'synthetic',
    target: pg,
    rejectsFile: false,
  }).run()
  const wallMs = performance.now() - started
  await pg.close()
  if (result.error) throw result.error
  const peakRssMb = process.resourceUsage().maxRSS / 1024
  process.stdout.write(
    `${JSON.stringify({ wallMs, rows: result.totals.inserted + result.totals.unchanged + result.totals.updated, peakRssMb })}\n`,
  )
}

await main(process.argv[2]!, Number(process.argv[3]))
