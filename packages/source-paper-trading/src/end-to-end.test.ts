import { join } from 'node:path'
import {
  canonicalId,
  type DataMigrationResultSet,
  DataMigrator,
  type Target,
  verifyData,
} from '@ledgerport/core'
import { target as postgresTarget } from '@ledgerport/target-postgres'
import { target as sqliteTarget } from '@ledgerport/target-sqlite'
import { createTempDir, openTestTarget, writePaperTrading } from '@ledgerport/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { source } from './paper-trading-source.js'

type Engine = 'sqlite' | 'postgres'

/** A fresh target database on an engine, prepared; `drop()` closes and removes it. */
const openTarget = (engine: Engine) =>
  openTestTarget(engine, engine === 'postgres' ? postgresTarget : sqliteTarget)

const TIMEZONE = 'Asia/Kolkata'

const counts = (result: DataMigrationResultSet) =>
  Object.fromEntries(
    result.results.map((r) => [
      r.stream,
      [r.status, r.read, r.inserted, r.updated, r.unchanged, r.duplicates, r.rejected].join(' '),
    ]),
  )

describe.each<Engine>(['sqlite', 'postgres'])('paper-trading into %s', (engine) => {
  let target: Target
  let drop: () => Promise<void>
  let root: { path: string; cleanup(): Promise<void> }
  let perUser: string
  let seed: string

  beforeAll(async () => {
    ;({ target, drop } = await openTarget(engine))
    root = await createTempDir()
    perUser = await writePaperTrading(join(root.path, 'a'), { ugly: true, layout: 'per-user' })
    seed = await writePaperTrading(join(root.path, 'b'), { shape: 'seed' })
  })
  afterAll(async () => {
    await drop()
    await root.cleanup()
  })

  const open = async (dir: string, warnings: string[] = [], userId?: string) =>
    await source.create(
      { dir, matchTolerance: 60, currency: 'INR' },
      {
        timezone: TIMEZONE,
        batchSize: 4,
        cwd: root.path,
        warn: (message) => warnings.push(message),
        ...(userId !== undefined ? { userId } : {}),
      },
    )
  const migrate = async (dir: string, userId?: string) => {
    const warnings: string[] = []
    const result = await new DataMigrator({
      source: await open(dir, warnings, userId),
      sourceName: 'paper-trading',
      scope: dir,
      target,
      timeZone: TIMEZONE,
      rejectsFile: false,
      ...(userId !== undefined ? { userId } : {}),
    }).run()
    return { result, warnings }
  }

  it('migrates per-user folders with ugly items: exact counts, users linked, idempotent', async () => {
    const { result, warnings } = await migrate(perUser)
    expect(result.error).toBeUndefined()
    // status read inserted updated unchanged duplicates rejected
    expect(counts(result)).toEqual({
      users: 'Success 3 3 0 0 0 0',
      orders: 'Success 13 9 0 0 1 3',
      holdings: 'Success 6 3 0 0 1 2',
      transactions: 'Success 9 7 0 0 1 1',
      account: 'Success 2 2 0 0 0 0',
    })
    expect(warnings).toContain(
      '2 paper-trading transaction(s) match no order (no order_id found in orders.json, and no order of the same symbol and side within 60 s): kept as fills without an order.',
    )
    const db = target.connection.db
    const rejects = await db
      .selectFrom('ledgerport_rejects')
      .select(['stream', 'file', 'path'])
      .where('run_id', '=', result.runId)
      .orderBy('id')
      .execute()
    expect(rejects.map((r) => `${r.stream} ${r.file} ${r.path}`)).toEqual([
      'orders a/paper_trading/user_1/orders.json [6].quantity',
      'orders a/paper_trading/user_1/orders.json [7].transaction_type',
      'orders a/paper_trading/user_1/orders.json [8].price',
      'holdings a/paper_trading/user_1/holdings.json BROKEN.quantity',
      'holdings a/paper_trading/user_1/holdings.json ["ODD-EQ"]',
      'transactions a/paper_trading/user_1/transactions.json [5].price',
    ])
    const user1 = canonicalId('users', 'paper-trading', 'user:1')
    const fortis = await db
      .selectFrom('positions')
      .select(['user_id', 'symbol', 'quantity', 'avg_price', 'unrealized_pnl', 'status'])
      .where('source_key', '=', 'user_1:position:FORTIS')
      .executeTakeFirstOrThrow()
    expect({ ...fortis, quantity: String(fortis.quantity), avg_price: String(fortis.avg_price) }).toEqual({
      user_id: user1,
      symbol: 'FORTIS',
      quantity: '107',
      avg_price: '931.45',
      unrealized_pnl: '1353.55',
      status: 'open',
    })
    const sell = await db
      .selectFrom('fills')
      .select(['order_id', 'user_id', 'price', 'fee'])
      .where('source_key', '=', 'user_1:fill:PT202511180007:2025-11-18T14:55:10.213460')
      .executeTakeFirstOrThrow()
    expect(sell).toEqual({
      order_id: canonicalId('orders', 'paper-trading', 'user_1:order:PT202511180007'),
      user_id: user1,
      price: '3898.05',
      fee: '118.1',
    })
    const balance = await db
      .selectFrom('balances')
      .select(['total', 'free', 'used', 'currency'])
      .where('source_key', '=', 'user_1:balance:INR')
      .executeTakeFirstOrThrow()
    expect(balance).toEqual({ total: '877584.69', free: '877584.69', used: '0.0', currency: 'INR' })

    const again = await migrate(perUser)
    expect(again.result.error).toBeUndefined()
    expect(again.result.totals).toMatchObject({ inserted: 0, updated: 0, unchanged: 24 })
  })

  it('verifies: every table matches; the fills that match no order are a note, not an orphan', async () => {
    const verified = await verifyData({
      source: await open(perUser),
      sourceName: 'paper-trading',
      target,
      timeZone: TIMEZONE,
    })
    expect(verified.error).toBeUndefined()
    expect(verified.entities.map((e) => [e.entity, e.sourceCount, e.targetCount, e.ok])).toEqual([
      ['users', 3, 3, true],
      ['orders', 9, 9, true],
      ['fills', 7, 7, true],
      ['positions', 3, 3, true],
      ['balances', 2, 2, true],
    ])
    // Unmatched transactions are kept as fills without an order on purpose: a note, not an orphan.
    expect(verified.orphans.filter((c) => c.count > 0)).toEqual([])
    expect(verified.notes).toEqual([{ check: 'fills linked to no order', count: 2 }])
    expect(verified.ok).toBe(true)
    expect(verified.invalid.filter((c) => c.count > 0)).toEqual([])
    expect(verified.rejected).toBe(6)
  })

  it('migrates the seed shapes into a --user-id, fully linked and verified', async () => {
    const { result } = await migrate(seed, '5')
    expect(result.error).toBeUndefined()
    expect(counts(result)).toEqual({
      orders: 'Success 2 2 0 0 0 0',
      holdings: 'Success 1 1 0 0 0 0',
      transactions: 'Success 2 2 0 0 0 0',
    })
    const users = await target.connection.db
      .selectFrom('fills')
      .select(['user_id', 'order_id'])
      .where('source_key', 'like', 'unified_service:%')
      .orderBy('source_key')
      .execute()
    expect(users).toEqual([
      {
        user_id: canonicalId('users', 'cli', '5'),
        order_id: canonicalId('orders', 'paper-trading', 'unified_service:order:paper_001'),
      },
      {
        user_id: canonicalId('users', 'cli', '5'),
        order_id: canonicalId('orders', 'paper-trading', 'unified_service:order:paper_002'),
      },
    ])
  })
})

describe.each<Engine>(['sqlite', 'postgres'])(
  'paper-trading verify on a fully linked folder in %s',
  (engine) => {
    it('is ok', async () => {
      const { target, drop } = await openTarget(engine)
      const root = await createTempDir()
      try {
        const dir = await writePaperTrading(root.path, { shape: 'seed' })
        const open = async () =>
          await source.create(
            { dir, matchTolerance: 60, currency: 'INR' },
            { timezone: 'UTC', batchSize: 100, cwd: root.path, warn: () => {} },
          )
        const result = await new DataMigrator({
          source: await open(),
          sourceName: 'paper-trading',
          target,
          rejectsFile: false,
        }).run()
        expect(result.totals.inserted).toBe(5)
        const verified = await verifyData({ source: await open(), sourceName: 'paper-trading', target })
        expect(verified.ok).toBe(true)
      } finally {
        await drop()
        await root.cleanup()
      }
    })
  },
)
