import { hash } from 'node:crypto'
import { createScratchDatabase } from '@ledgerport/test-kit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connect } from '../db/connect.js'
import type { CanonicalRecord } from '../model/canonical-record.js'
import type { Source, SourceBatch, SourceRowDigest } from '../plugin/source-plugin.js'
import { DataMigrator } from './data-migrator.js'
import { rollbackRun, rollbackSource } from './rollback-run.js'
import { SOURCE_DIGESTS_TABLE } from './source-digests.js'
import { SqlTarget } from './sql-target.js'

interface RawOrder {
  id: number
  price: string
  filled: boolean
}

/**
 * A source of raw order rows that digests each row, as a table-reading source would: a filled
 * order makes an order and a fill. It records which rows it mapped, so tests see what was skipped.
 */
function digestingSource(rows: RawOrder[], mapped: number[]): Source {
  return {
    discover: async () => [{ name: 'orders', entities: ['orders', 'fills'] }],
    async *read(_stream, from, options): AsyncGenerator<SourceBatch> {
      const after = typeof from === 'number' ? from : 0
      const pending = rows.filter((row) => row.id > after)
      for (let i = 0; i < pending.length; i += 3) {
        const page = pending.slice(i, i + 3)
        const stored = options?.storedDigests
          ? await options.storedDigests(page.map((row) => String(row.id)))
          : new Map()
        const records: CanonicalRecord[] = []
        const digests: SourceRowDigest[] = []
        let skipped = 0
        for (const row of page) {
          const digest = hash('sha1', JSON.stringify(row))
          const before = stored.get(String(row.id))
          if (before?.digest === digest) {
            skipped += before.records
            continue
          }
          mapped.push(row.id)
          const made: CanonicalRecord[] = [
            {
              entity: 'orders',
              sourceKey: `o${row.id}`,
              values: { symbol: 'BTC/USDT', side: 'buy', status: 'filled', price: row.price },
            },
          ]
          if (row.filled) {
            made.push({
              entity: 'fills',
              sourceKey: `f${row.id}`,
              values: {
                order_id: { ref: 'orders', sourceKey: `o${row.id}` },
                symbol: 'BTC/USDT',
                side: 'buy',
                quantity: '1',
                price: row.price,
                executed_at: '2024-01-01T00:00:00Z',
              },
            })
          }
          records.push(...made)
          digests.push({ key: String(row.id), digest, records: made.length })
        }
        yield { records, digests, skipped, checkpoint: page.at(-1)!.id }
      }
    },
    close: async () => {},
  }
}

describe.each(['sqlite', 'postgres'] as const)('source digests on %s', (engine) => {
  let target: SqlTarget
  let drop: () => Promise<void>
  let rows: RawOrder[]

  beforeEach(async () => {
    const opened = await createScratchDatabase(engine)
    drop = opened.drop
    target = new SqlTarget({ connection: await connect(opened.url) })
    await target.prepare()
    rows = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, price: `${100 + i}.5`, filled: i % 2 === 0 }))
  })
  afterEach(async () => {
    await target.close()
    await drop()
  })

  const run = async (options: { full?: boolean; fresh?: boolean; timeZone?: string } = {}) => {
    const mapped: number[] = []
    const result = await new DataMigrator({
      source: digestingSource(rows, mapped),
      sourceName: 'digesting',
      target,
      rejectsFile: false,
      fresh: true,
      ...options,
    }).run()
    expect(result.error).toBeUndefined()
    return { result, mapped }
  }

  it('skips unchanged rows unmapped, counting their records as unchanged', async () => {
    const first = await run()
    expect(first.mapped).toHaveLength(10)
    expect(first.result.totals).toMatchObject({ read: 15, inserted: 15, unchanged: 0 })

    const second = await run()
    expect(second.mapped).toEqual([])
    expect(second.result.totals).toMatchObject({ read: 15, inserted: 0, updated: 0, unchanged: 15 })

    rows[3]!.price = '999.25'
    rows.push({ id: 11, price: '1', filled: true })
    const third = await run()
    expect(third.mapped).toEqual([4, 11])
    expect(third.result.totals).toMatchObject({ read: 17, inserted: 2, updated: 1, unchanged: 14 })
    const price = await target.connection.db
      .selectFrom('orders')
      .select('price')
      .where('source_key', '=', 'o4')
      .executeTakeFirstOrThrow()
    expect(String(price.price)).toBe('999.25')
  })

  it('a re-run stopped while it skipped unchanged rows leaves nothing half done: the next completes, writing nothing', async () => {
    await run()
    const stop = new AbortController()
    const stopped = await new DataMigrator({
      source: digestingSource(rows, []),
      sourceName: 'digesting',
      target,
      rejectsFile: false,
      fresh: true,
      signal: stop.signal,
      onProgress: () => stop.abort(),
    }).run()
    expect(stopped.results[0]?.status).toBe('NotExecuted')
    const mapped: number[] = []
    const resumed = await new DataMigrator({
      source: digestingSource(rows, mapped),
      sourceName: 'digesting',
      target,
      rejectsFile: false,
    }).run()
    expect(resumed.error).toBeUndefined()
    expect(mapped).toEqual([])
    expect(resumed.totals).toMatchObject({ inserted: 0, updated: 0 })
    const checkpoint = await target.connection.db
      .selectFrom('ledgerport_checkpoints')
      .select(['complete', 'run_id'])
      .where('source', '=', 'digesting')
      .executeTakeFirstOrThrow()
    expect(Boolean(checkpoint.complete)).toBe(true)
    expect(checkpoint.run_id).toBe(resumed.runId)
  })

  it('compares every row with --full', async () => {
    await run()
    const full = await run({ full: true })
    expect(full.mapped).toHaveLength(10)
    expect(full.result.totals).toMatchObject({ read: 15, inserted: 0, updated: 0, unchanged: 15 })
  })

  it('forgets the digests of a rolled-back run, so the next run maps its rows again', async () => {
    await run()
    rows[0]!.price = '7'
    const changed = await run()
    expect(changed.mapped).toEqual([1])
    const rolledBack = await rollbackRun(target, { runId: changed.result.runId })
    expect(rolledBack.error).toBeUndefined()
    const after = await run()
    // Row 1's digest went with the run: its order and fill are mapped and restored; the rest stay skipped.
    expect(after.mapped).toEqual([1])
    expect(after.result.totals).toMatchObject({ read: 15, updated: 2, unchanged: 13 })
  })

  it('forgets every digest of a source rolled back by name', async () => {
    await run()
    expect(await countDigests(target)).toBe(10)
    const removed = await rollbackSource(target, { source: 'digesting' })
    expect(removed.error).toBeUndefined()
    expect(await countDigests(target)).toBe(0)
    const again = await run()
    expect(again.mapped).toHaveLength(10)
    expect(again.result.totals).toMatchObject({ inserted: 15 })
  })

  it('keeps digests apart per time zone: other settings map every row again', async () => {
    await run()
    const { mapped } = await run({ timeZone: 'Asia/Kolkata' })
    expect(mapped).toHaveLength(10)
  })
})

async function countDigests(target: SqlTarget): Promise<number> {
  const row = await target.connection.db
    .selectFrom(SOURCE_DIGESTS_TABLE)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
