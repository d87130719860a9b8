import { join } from 'node:path'
import { DataMigrator, type PluginContext } from '@ledgerport/core'
import { target as sqliteTarget } from '@ledgerport/target-sqlite'
import { createTempDir, type LargeTradesHistory, writeLargeTradesHistory } from '@ledgerport/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { source } from './json-files-source.js'

const TRADES = 50_000
const MB = 1024 * 1024
/** Live heap: after a full collection when the test runs with --expose-gc (see vitest.config.ts). */
const liveHeap = (): number => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().heapUsed
}

describe('a large trades_history.json', () => {
  let dir: { path: string; cleanup(): Promise<void> }
  let file: LargeTradesHistory

  beforeAll(async () => {
    dir = await createTempDir()
    file = await writeLargeTradesHistory(join(dir.path, 'trades_history.json'), { trades: TRADES })
  })
  afterAll(() => dir.cleanup())

  const context: PluginContext = { timezone: 'UTC', batchSize: 5000, cwd: '/', warn: () => {} }

  it('is streamed in batches with memory that does not grow with the file', async () => {
    const src = await source.create({ dataDir: '.', tradesHistory: file.path }, context)
    const [stream] = await src.discover()
    let records = 0
    let batches = 0
    const heap: number[] = []
    const start = liveHeap()
    for await (const batch of src.read(stream!)) {
      records += batch.records.length
      batches++
      expect(batch.rejects ?? []).toEqual([])
      heap.push(liveHeap())
    }
    expect(records).toBe(file.records)
    expect(batches).toBeGreaterThan(30)
    const peak = Math.max(...heap)
    console.log(
      `${TRADES} trades, ${(file.bytes / MB).toFixed(1)} MB file → ${records} records in ${batches} batches; heap ${(start / MB).toFixed(1)} MB before, peak ${(peak / MB).toFixed(1)} MB`,
    )
    // Parsed whole, the file would take several times its size; streamed, one batch is alive at a time.
    expect(peak - start).toBeLessThan(file.bytes)
    // Late batches use no more memory than early ones: nothing accumulates per trade but the 16 bytes
    // a trade of the de-duplication table takes.
    const early = Math.max(...heap.slice(0, 10))
    const late = Math.max(...heap.slice(-10))
    expect(late - early).toBeLessThan(8 * MB)
  })

  it('lands in SQLite with exactly its records (a 10,000-trade file)', async () => {
    const small = await writeLargeTradesHistory(join(dir.path, 'small.json'), { trades: 10_000 })
    const target = await sqliteTarget.create(`sqlite:${join(dir.path, 'big.db')}`, {}, context)
    try {
      await target.prepare()
      const src = await source.create({ dataDir: '.', tradesHistory: small.path }, context)
      const started = process.memoryUsage().rss
      const result = await new DataMigrator({
        source: src,
        sourceName: 'json-files',
        target,
        rejectsFile: false,
      }).run()
      expect(result.error).toBeUndefined()
      expect(result.totals).toMatchObject({ inserted: small.records, rejected: 0, duplicates: 0 })
      console.log(
        `into SQLite: ${result.totals.inserted} rows in ${result.results[0]!.seconds} s, RSS ${(started / MB).toFixed(0)} → ${(process.memoryUsage().rss / MB).toFixed(0)} MB`,
      )
    } finally {
      await target.close()
    }
  })
})
