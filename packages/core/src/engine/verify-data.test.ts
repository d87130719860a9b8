import { createScratchDatabase } from '@ledgerport/test-kit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connect } from '../db/connect.js'
import type { CanonicalRecord } from '../model/canonical-record.js'
import { canonicalId } from '../model/ids.js'
import type { Source, SourceBatch, StreamDescriptor } from '../plugin/source-plugin.js'
import { DataMigrator } from './data-migrator.js'
import { SqlTarget } from './sql-target.js'
import { verifyData } from './verify-data.js'

const SOURCE = 'fleet'

interface FleetOptions {
  /** Orders per bot. */
  readonly orders?: number
  /** Bots whose first order has another price. */
  readonly changed?: ReadonlyArray<string>
  /** Also one fill per order (`BOT:fill:I`, linked to `BOT:order:I`) in the orders stream. */
  readonly fills?: boolean
}

/**
 * One Freqtrade-like database per bot: streams `BOT/bot` (its `bots` row) and `BOT/orders` (orders
 * linked to it, and to the run's `--user-id` when one is given).
 */
function fleetSource(bots: ReadonlyArray<string>, options: FleetOptions = {}): Source {
  const streams: StreamDescriptor[] = bots.flatMap((bot) => [
    { name: `${bot}/bot`, entities: ['bots'] },
    { name: `${bot}/orders`, entities: ['orders'] },
  ])
  return {
    discover: async () => streams,
    async *read(stream): AsyncGenerator<SourceBatch> {
      const [bot, kind] = stream.name.split('/') as [string, string]
      const records: CanonicalRecord[] =
        kind === 'bot'
          ? [{ entity: 'bots', sourceKey: `bot:${bot}`, values: { name: bot } }]
          : Array.from({ length: options.orders ?? 3 }, (_, i) => ({
              entity: 'orders',
              sourceKey: `${bot}:order:${i}`,
              values: {
                bot_id: { ref: 'bots', sourceKey: `bot:${bot}` },
                symbol: 'BTC/USDT',
                side: 'buy',
                status: 'filled',
                price: i === 0 && options.changed?.includes(bot) ? '99' : String(100 + i),
              },
            }))
      if (kind === 'orders' && options.fills)
        for (let i = 0; i < (options.orders ?? 3); i++)
          records.push({
            entity: 'fills',
            sourceKey: `${bot}:fill:${i}`,
            values: {
              order_id: { ref: 'orders', sourceKey: `${bot}:order:${i}` },
              symbol: 'BTC/USDT',
              side: 'buy',
              price: String(100 + i),
              quantity: '1',
            },
          })
      yield { records, checkpoint: 1 }
    },
    close: async () => {},
  }
}

/** What verifying bot `a` (one bot row, three orders) reports when its rows match. */
const BOT_A_OK = {
  error: undefined,
  ok: true,
  entities: [
    ['bots', 1, 1, true],
    ['orders', 3, 3, true],
  ],
  streams: [
    ['a/bot', 1, 1, true],
    ['a/orders', 3, 3, true],
  ],
}

describe.each(['sqlite', 'postgres'] as const)('verifyData on %s', (engine) => {
  let target: SqlTarget
  let drop: () => Promise<void>

  beforeEach(async () => {
    const database = await createScratchDatabase(engine)
    drop = database.drop
    target = new SqlTarget({ connection: await connect(database.url) })
    await target.prepare()
  })
  afterEach(async () => {
    await target.close()
    await drop()
  })

  /** One run per bot, as `ledgerport run --from … --db BOT.sqlite` would do. */
  const migrate = async (bots: ReadonlyArray<string>, options: FleetOptions & { userId?: string } = {}) => {
    for (const bot of bots) {
      const result = await new DataMigrator({
        source: fleetSource([bot], options),
        sourceName: SOURCE,
        scope: bot,
        target,
        rejectsFile: false,
        ...(options.userId !== undefined ? { userId: options.userId } : {}),
      }).run()
      expect(result.error).toBeUndefined()
    }
  }
  const verify = (bots: ReadonlyArray<string>, options: FleetOptions & { userId?: string } = {}) =>
    verifyData({
      source: fleetSource(bots, options),
      sourceName: SOURCE,
      target,
      ...(options.userId !== undefined ? { userId: options.userId } : {}),
    })
  const summary = (result: Awaited<ReturnType<typeof verifyData>>) => ({
    error: result.error?.message,
    ok: result.ok,
    entities: result.entities.map((e) => [e.entity, e.sourceCount, e.targetCount, e.ok]),
    streams: result.streams.map((s) => [s.stream, s.expectedRows, s.targetRows, s.ok]),
  })

  it('verifies one bot of a target that holds several bots of the same source', async () => {
    await migrate(['a', 'b'], { orders: 3 })
    await migrate(['c'], { orders: 5 })
    expect(summary(await verify(['a']))).toEqual(BOT_A_OK)
    const all = await verify(['a', 'b'])
    expect(all.ok).toBe(true)
    expect(all.entities.map((e) => [e.entity, e.targetCount])).toEqual([
      ['bots', 2],
      ['orders', 6],
    ])
  })

  it('still fails on a changed or extra row of the verified bot, not on another bot', async () => {
    await migrate(['a', 'b'])
    expect(summary(await verify(['a'], { changed: ['a'] }))).toMatchObject({
      ok: false,
      entities: [
        ['bots', 1, 1, true],
        ['orders', 3, 3, false],
      ],
    })
    expect((await verify(['a'], { changed: ['b'] })).ok).toBe(true)
    // A row of a/orders in the target that the source does not have.
    const db = target.connection.db
    const extra = await db
      .selectFrom('orders')
      .selectAll()
      .where('source_key', '=', 'a:order:0')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('orders')
      .values({ ...extra, id: canonicalId('orders', SOURCE, 'a:order:9'), source_key: 'a:order:9' })
      .execute()
    expect(summary(await verify(['a']))).toMatchObject({
      ok: false,
      entities: [
        ['bots', 1, 1, true],
        ['orders', 3, 4, false],
      ],
      streams: [
        ['a/bot', 1, 1, true],
        ['a/orders', 3, 4, false],
      ],
    })
    expect((await verify(['b'])).ok).toBe(true)
  })

  it('counts orphans and invalid values of the verified bot only', async () => {
    await migrate(['a', 'b'])
    const db = target.connection.db
    await db.deleteFrom('bots').where('source_key', '=', 'bot:b').execute()
    await db.updateTable('orders').set({ price: '0' }).where('source_key', '=', 'b:order:1').execute()
    const a = await verify(['a'])
    expect(a.ok).toBe(true)
    expect(a.orphans.filter((c) => c.count > 0)).toEqual([])
    expect(a.invalid.filter((c) => c.count > 0)).toEqual([])
    const b = await verify(['b'])
    expect(b.ok).toBe(false)
    expect(b.orphans.filter((c) => c.count > 0)).toMatchObject([{ check: 'orders.bot_id → bots', count: 3 }])
    expect(b.invalid.filter((c) => c.count > 0)).toEqual([{ check: 'orders.price ≤ 0', count: 1 }])
  })

  it('names a reference column whose referenced row was deleted behind its back, with examples', async () => {
    await migrate(['a', 'b'], { orders: 5, fills: true })
    const db = target.connection.db
    expect((await verify(['a'], { orders: 5, fills: true })).ok).toBe(true)
    await db.deleteFrom('orders').where('source_key', 'in', ['a:order:1', 'a:order:3']).execute()
    await db.deleteFrom('orders').where('source_key', '=', 'b:order:2').execute()
    const a = await verify(['a'], { orders: 5, fills: true })
    expect(a.ok).toBe(false)
    expect(a.orphans.filter((c) => c.count > 0)).toEqual([
      {
        check: 'fills.order_id → orders',
        count: 2,
        examples: ['a:fill:1', 'a:fill:3'],
        hint:
          '2 row(s) point at orders rows that are not in the target (deleted outside ledgerport?): ' +
          'write them again with `ledgerport run --full` from the source that has them, ' +
          'or roll back the run that wrote the referencing rows',
      },
    ])
    // The note on fills linked to no order stays a note; a clean bot has no false positive.
    expect(a.notes).toEqual([{ check: 'fills linked to no order', count: 0 }])
    const c = await verify(['b'], { orders: 5, fills: true })
    expect(c.orphans.filter((check) => check.count > 0)).toMatchObject([
      { check: 'fills.order_id → orders', count: 1, examples: ['b:fill:2'] },
    ])
  })

  it('does not flag a fill linked to no order (a note, not a failure)', async () => {
    await migrate(['a'], { orders: 2, fills: true })
    const db = target.connection.db
    await db.updateTable('fills').set({ order_id: null }).where('source_key', '=', 'a:fill:0').execute()
    const a = await verify(['a'], { orders: 2, fills: true })
    expect(a.orphans.filter((c) => c.count > 0)).toEqual([])
    expect(a.notes).toEqual([{ check: 'fills linked to no order', count: 1 }])
    expect(a.orphans.map((c) => c.check)).toEqual(expect.arrayContaining(['fills.order_id → orders']))
  })

  it('leaves out the users row the engine writes for --user-id (source cli), as before', async () => {
    await migrate(['a', 'b'], { userId: '7' })
    const users = await target.connection.db.selectFrom('users').select(['source', 'source_stream']).execute()
    expect(users).toEqual([{ source: 'cli', source_stream: null }])
    expect(summary(await verify(['a'], { userId: '7' }))).toEqual(BOT_A_OK)
  })
})

describe('verifyData on a fleet of hundreds of bots', () => {
  it('verifies 600 bots (1,200 streams) at once, and one of them, without a statement per stream', async () => {
    const database = await createScratchDatabase('sqlite')
    const target = new SqlTarget({ connection: await connect(database.url) })
    try {
      await target.prepare()
      const bots = Array.from({ length: 600 }, (_, i) => `bot${String(i).padStart(3, '0')}`)
      const result = await new DataMigrator({
        source: fleetSource(bots, { orders: 2 }),
        sourceName: SOURCE,
        target,
        rejectsFile: false,
      }).run()
      expect(result.error).toBeUndefined()
      const all = await verifyData({ source: fleetSource(bots, { orders: 2 }), sourceName: SOURCE, target })
      expect(all.error).toBeUndefined()
      expect(all.ok).toBe(true)
      expect(all.streams).toHaveLength(1200)
      expect(all.entities.map((e) => [e.entity, e.sourceCount, e.targetCount])).toEqual([
        ['bots', 600, 600],
        ['orders', 1200, 1200],
      ])
      const changed = await verifyData({
        source: fleetSource(bots, { orders: 2, changed: ['bot599'] }),
        sourceName: SOURCE,
        target,
      })
      expect(changed.ok).toBe(false)
      expect(changed.entities.filter((e) => !e.ok).map((e) => e.entity)).toEqual(['orders'])
      const one = await verifyData({
        source: fleetSource(['bot123'], { orders: 2 }),
        sourceName: SOURCE,
        target,
      })
      expect(one.ok).toBe(true)
      expect(one.entities.map((e) => [e.entity, e.targetCount])).toEqual([
        ['bots', 1],
        ['orders', 2],
      ])
    } finally {
      await target.close()
      await database.drop()
    }
  }, 60_000)
})
