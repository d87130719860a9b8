import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DataMigrator, type PluginContext, type Source, type Target, verifyData } from '@ledgerport/core'
import { target as postgresTarget } from '@ledgerport/target-postgres'
import { target as sqliteTarget } from '@ledgerport/target-sqlite'
import {
  type BybitV2PostgresFixture,
  createBybitV2Postgres,
  createBybitV2Sqlite,
  createPostgresDatabase,
  createTempDir,
  type ScratchDatabase,
} from '@ledgerport/test-kit'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { source } from './bybit-v2-source.js'
import type { BybitV2Options } from './v2-database.js'
import { verifyBybitV2 } from './verify-bybit-v2.js'

const GENERATED = 200
// The fixture's generated trades: every 10th from the 5th is OPEN, from the 8th CANCELED, the rest CLOSE.
const OPEN = 20
const CANCELLED = 20
const CLOSED = 160

/**
 * What the fixture (the reference's 4 trades, 6 ugly ones, 200 generated) becomes; see mapping.test.ts
 * for the sample and ugly rows one by one.
 */
const EXPECTED: Readonly<Record<string, number>> = {
  trading_sessions: 3,
  signals: 7 + GENERATED,
  round_trips: 10 + GENERATED,
  // 13 v2 orders (1 rejected) and 7 the trades need; generated: the entry, and SL and TP legs once opened.
  orders: 12 + 7 + CANCELLED + 3 * (OPEN + CLOSED),
  // Entry fills of opened trades, exit fills of closed ones.
  fills: 9 + OPEN + 2 * CLOSED,
  protective_orders: 10 + 2 * (OPEN + CLOSED),
  exchange_executions: 6 + OPEN + 2 * CLOSED,
}
const TOTAL = Object.values(EXPECTED).reduce((a, b) => a + b, 0)

const context = (warnings: string[] = []): PluginContext => ({
  timezone: 'UTC',
  batchSize: 500,
  cwd: process.cwd(),
  warn: (message) => warnings.push(message),
})

async function open(options: BybitV2Options, warnings?: string[]): Promise<Source> {
  return (await source.create(options, context(warnings))) as Source
}

async function migrate(options: BybitV2Options, target: Target, rejectsFile: string | false = false) {
  const warnings: string[] = []
  const s = await open(options, warnings)
  try {
    const result = await new DataMigrator({ source: s, sourceName: 'bybit-v2', target, rejectsFile }).run()
    return { result, warnings }
  } finally {
    await s.close()
  }
}

async function countsIn(target: Target): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const entity of Object.keys(EXPECTED)) {
    const { rows } = await sql<{ n: unknown }>`select count(*) as n from ${sql.table(entity)}
      where source = 'bybit-v2'`.execute(target.connection.db)
    counts[entity] = Number(rows[0]!.n)
  }
  return counts
}

let v2: BybitV2PostgresFixture
let dir: { path: string; cleanup(): Promise<void> }
beforeAll(async () => {
  v2 = await createBybitV2Postgres({ trades: GENERATED })
  dir = await createTempDir('bybit-v2-e2e-')
})
afterAll(async () => {
  await v2?.drop()
  await dir?.cleanup()
})

describe.each(['postgres', 'sqlite'] as const)('PostgreSQL v2 database → %s target', (kind) => {
  let target: Target
  let database: ScratchDatabase | undefined
  beforeAll(async () => {
    if (kind === 'postgres') {
      database = await createPostgresDatabase()
      target = await postgresTarget.create(database.url, {}, context())
    } else {
      target = await sqliteTarget.create(`sqlite:${join(dir.path, 'ledgerport.db')}`, {}, context())
    }
    await target.prepare()
  })
  afterAll(async () => {
    await target?.close()
    await database?.drop()
  })

  it('migrates every v2 row, rejecting only the order it cannot map', async () => {
    const rejects = join(dir.path, `rejects-${kind}.jsonl`)
    const { result, warnings } = await migrate({ sourceUrl: v2.url }, target, rejects)
    expect(result.error).toBeUndefined()
    expect(result.totals).toMatchObject({
      inserted: TOTAL,
      updated: 0,
      unchanged: 0,
      rejected: 1,
      duplicates: 0,
    })
    expect(result.totals.read).toBe(TOTAL + 1)
    expect(result.results.map((r) => [r.stream, r.status, r.inserted, r.rejected])).toEqual([
      ['trading_sessions', 'Success', EXPECTED.trading_sessions, 0],
      ['signals', 'Success', EXPECTED.signals, 0],
      ['trades', 'Success', 10 + GENERATED + 7 + EXPECTED.fills!, 0],
      ['orders', 'Success', 12 + CANCELLED + 3 * (OPEN + CLOSED), 1],
      ['sltp_orders', 'Success', EXPECTED.protective_orders, 0],
      ['bybit_trade_history', 'Success', EXPECTED.exchange_executions, 0],
    ])
    expect(await countsIn(target)).toEqual(EXPECTED)
    const [line] = (await readFile(rejects, 'utf8')).trim().split('\n')
    expect(JSON.parse(line!)).toMatchObject({
      location: { table: 'orders', key: 'id=8' },
      field: 'status',
      reason: expect.stringContaining('"Exploded" is not a Bybit order status'),
    })
    expect(warnings).toContain(
      'trades: 3 rows (id=4, id=6, id=8) have no order_id (the orphaned records of the v2→v3 guide): migrated as round trips whose entry order has no exchange order id.',
    )
  })

  it('keeps every digit and links rows by their computed ids', async () => {
    const db = target.connection.db
    const { rows } = await sql<
      Record<string, unknown>
    >`select r.close_rate, r.profit_abs, x.price as exit_price,
        x.realized_pnl, o.source_key as exit_order, o.exchange_order_id, p.source_key as parent
      from round_trips r
      join fills x on x.source_key = 'trade:9:exit-fill' and x.source = r.source
      join orders o on o.id = r.exit_order_id
      join orders p on p.id = o.parent_order_id
      where r.source = 'bybit-v2' and r.source_key = 'trade:9'`.execute(db)
    expect(
      rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v)]))),
    ).toEqual([
      {
        close_rate: '0.17234567890123456789012',
        profit_abs: '12.34567890123456789012',
        exit_price: '0.17234567890123456789012',
        realized_pnl: '12.34567890123456789012',
        exit_order: 'order:6',
        exchange_order_id: 'ugly-9-exit',
        parent: 'trade:9:entry',
      },
    ])
    const { rows: floats } = await sql<{ open_rate: unknown }>`select open_rate from round_trips
      where source = 'bybit-v2' and source_key = 'trade:5'`.execute(db)
    expect(String(floats[0]!.open_rate)).toBe('0.30000000000000004')
    const { rows: extra } = await sql<{ extra: unknown }>`select extra from round_trips
      where source = 'bybit-v2' and source_key = 'trade:1'`.execute(db)
    const tradeExtra = typeof extra[0]!.extra === 'string' ? JSON.parse(extra[0]!.extra) : extra[0]!.extra
    expect(tradeExtra).toMatchObject({ v2_trade_id: 1, order_id: '1f0b3c51-6d8e-4c0e-9a7d-3f5f8a2e9b11' })
  })

  it('changes nothing on a second run', async () => {
    const { result } = await migrate({ sourceUrl: v2.url }, target)
    expect(result.error).toBeUndefined()
    expect(result.totals).toMatchObject({ inserted: 0, updated: 0, unchanged: TOTAL, rejected: 1 })
    expect(await countsIn(target)).toEqual(EXPECTED)
  })

  it('verifies: counts, checksums, no orphans, no invalid values', async () => {
    const s = await open({ sourceUrl: v2.url })
    try {
      const verification = await verifyData({ source: s, sourceName: 'bybit-v2', target })
      expect(verification.error).toBeUndefined()
      expect(verification.entities.map((e) => [e.entity, e.sourceCount, e.targetCount, e.ok])).toEqual(
        Object.entries(EXPECTED)
          .sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b))
          .map(([entity, n]) => [entity, n, n, true]),
      )
      expect(verification.orphans.filter((c) => c.count > 0)).toEqual([])
      expect(verification.invalid.filter((c) => c.count > 0)).toEqual([])
      expect(verification.rejected).toBe(1)
      expect(verification.ok).toBe(true)
    } finally {
      await s.close()
    }
  })

  it("passes the v2→v3 guide's step-5 checks", async () => {
    const result = await verifyBybitV2({ source: { sourceUrl: v2.url }, target })
    expect(result.error).toBeUndefined()
    expect(result.checks.map((c) => [c.check, c.source, c.target, c.ok])).toEqual([
      ['v2 trades → round trips', 10 + GENERATED, 10 + GENERATED, true],
      ['closed v2 trades → exit fills', 3 + CLOSED, 3 + CLOSED, true],
      ['v2 sltp_orders rows → protective orders', 6 + OPEN + CLOSED, 6 + OPEN + CLOSED, true],
      ['v2 trades without order_id → round trips', 3, 3, true],
      ['round trips without their entry order', undefined, 0, true],
      ['empty symbols', undefined, 0, true],
      ['prices ≤ 0', undefined, 0, true],
    ])
    expect(result.checks[1]!.note).toBe('1 closed trades have no closed_at')
    expect(result.ok).toBe(true)
  })
})

const ORDER = [
  'trading_sessions',
  'signals',
  'round_trips',
  'orders',
  'fills',
  'protective_orders',
  'exchange_executions',
]

describe('SQLite v2 databases → sqlite target', () => {
  it('flags empty symbols and prices ≤ 0 in the step-5 checks', async () => {
    const file = join(dir.path, 'v2-bad.db')
    createBybitV2Sqlite(file, { trades: 5, badValues: true })
    const target = await sqliteTarget.create(`sqlite:${join(dir.path, 'bad-target.db')}`, {}, context())
    try {
      await target.prepare()
      const { result } = await migrate({ sourceUrl: `sqlite:${file}` }, target)
      expect(result.error).toBeUndefined()
      const verification = await verifyBybitV2({ source: { sourceUrl: `sqlite:${file}` }, target })
      const byName = Object.fromEntries(verification.checks.map((c) => [c.check, c]))
      expect(byName['v2 trades → round trips']).toMatchObject({ source: 18, target: 18, ok: true })
      // The trade with an empty symbol: its round trip, entry order and entry fill.
      expect(byName['empty symbols']).toMatchObject({
        target: 3,
        ok: false,
        note: '1 v2 trades with an empty symbol',
        details: { 'round_trips.symbol': 1, 'orders.symbol': 1, 'fills.symbol': 1 },
      })
      // Entry prices 0 and -5: each trade's open rate, entry order price and average, entry fill.
      expect(byName['prices ≤ 0']).toMatchObject({
        target: 8,
        ok: false,
        note: '2 v2 trades with entry_price ≤ 0',
        details: {
          'round_trips.open_rate': 2,
          'orders.price': 2,
          'orders.avg_price': 2,
          'fills.price': 2,
          'round_trips.close_rate': 0,
        },
      })
      expect(verification.ok).toBe(false)
    } finally {
      await target.close()
    }
  })

  it('migrates a v2 database without the optional tables and columns, and verifies it', async () => {
    const file = join(dir.path, 'v2-minimal.db')
    createBybitV2Sqlite(file, { trades: 10, variant: 'minimal' })
    const target = await sqliteTarget.create(`sqlite:${join(dir.path, 'minimal-target.db')}`, {}, context())
    try {
      await target.prepare()
      const { result, warnings } = await migrate({ sourceUrl: `sqlite:${file}` }, target)
      expect(result.error).toBeUndefined()
      expect(result.results.map((r) => r.stream)).toEqual([
        'signals',
        'trades',
        'orders',
        'bybit_trade_history',
      ])
      expect(warnings.filter((w) => w.startsWith('The v2 table'))).toHaveLength(5)
      const s = await open({ sourceUrl: `sqlite:${file}` })
      try {
        const verification = await verifyData({ source: s, sourceName: 'bybit-v2', target })
        expect(verification.ok).toBe(true)
      } finally {
        await s.close()
      }
      const checks = await verifyBybitV2({ source: { sourceUrl: `sqlite:${file}` }, target })
      expect(checks.checks[2]).toMatchObject({
        check: 'v2 sltp_orders rows → protective orders',
        source: 0,
        target: 0,
        ok: true,
        note: 'the v2 database has no sltp_orders table',
      })
      expect(checks.ok).toBe(true)
    } finally {
      await target.close()
    }
  })

  it('reports a v2 database it cannot open instead of throwing', async () => {
    const target = await sqliteTarget.create(`sqlite:${join(dir.path, 'empty-target.db')}`, {}, context())
    try {
      await target.prepare()
      const result = await verifyBybitV2({
        source: { sourceUrl: `sqlite:${join(dir.path, 'nope.db')}` },
        target,
      })
      expect(result.ok).toBe(false)
      expect(result.checks).toEqual([])
      expect(result.error?.message).toBe(
        `The v2 database file ${join(dir.path, 'nope.db')} does not exist (--source-url sqlite:${join(dir.path, 'nope.db')}).`,
      )
    } finally {
      await target.close()
    }
  })
})
