import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  canonicalId,
  DataMigrator,
  type DataMigratorProps,
  type PluginContext,
  type Target,
  verifyData,
} from '@ledgerport/core'
import { target as postgresTarget } from '@ledgerport/target-postgres'
import { target as sqliteTarget } from '@ledgerport/target-sqlite'
import { createTempDir, openTestTarget, truncateFile, writeBrokerData } from '@ledgerport/test-kit'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { source } from './json-files-source.js'

type Engine = 'sqlite' | 'postgres'

/** A fresh target database on an engine, prepared; `drop()` closes and removes it. */
const openTarget = (engine: Engine) =>
  openTestTarget(engine, engine === 'postgres' ? postgresTarget : sqliteTarget)

const TIMEZONE = 'Asia/Kolkata'

describe.each<Engine>(['sqlite', 'postgres'])('json-files into %s', (engine) => {
  let target: Target
  let drop: () => Promise<void>
  let root: { path: string; cleanup(): Promise<void> }
  let dataDir: string

  beforeAll(async () => {
    ;({ target, drop } = await openTarget(engine))
    root = await createTempDir()
    dataDir = await writeBrokerData(root.path, { ugly: true })
  })
  afterAll(async () => {
    await drop()
    await root.cleanup()
  })

  const migrate = async (
    props: Partial<DataMigratorProps> & { dataDir?: string; batchSize?: number } = {},
  ) => {
    const warnings: string[] = []
    const context: PluginContext = {
      timezone: TIMEZONE,
      batchSize: props.batchSize ?? 10,
      cwd: root.path,
      warn: (message) => warnings.push(message),
      ...(props.userId !== undefined ? { userId: props.userId } : {}),
    }
    const src = await source.create({ dataDir: props.dataDir ?? dataDir }, context)
    const result = await new DataMigrator({
      source: src,
      sourceName: 'json-files',
      scope: props.dataDir ?? dataDir,
      target,
      timeZone: TIMEZONE,
      rejectsFile: join(root.path, 'rejects', `${engine}-${Math.random()}.jsonl`),
      ...props,
    }).run()
    return { result, warnings, src }
  }

  const counts = (result: Awaited<ReturnType<typeof migrate>>['result']) =>
    Object.fromEntries(
      result.results.map((r) => [
        r.stream,
        {
          status: r.status,
          read: r.read,
          inserted: r.inserted,
          updated: r.updated,
          unchanged: r.unchanged,
          duplicates: r.duplicates,
          rejected: r.rejected,
        },
      ]),
    )

  it('lands every good record, rejects the bad ones with their paths, and reports duplicates', async () => {
    const { result } = await migrate()
    expect(result.error).toBeUndefined()
    expect(counts(result)).toEqual({
      trades_history: {
        status: 'Success',
        read: 63,
        inserted: 48,
        updated: 0,
        unchanged: 0,
        duplicates: 2,
        rejected: 13,
      },
      pending_orders: {
        status: 'Success',
        read: 12,
        inserted: 8,
        updated: 0,
        unchanged: 0,
        duplicates: 1,
        rejected: 3,
      },
    })
    expect(result.totals.naiveTimes).toBeGreaterThan(0)
    expect(result.warnings).toContain(
      `${result.totals.naiveTimes} naive source times were read as ${TIMEZONE} (--timezone).`,
    )

    const db = target.connection.db
    const rows = async (table: string) =>
      Number(
        (
          await db
            .selectFrom(table)
            .select(sql<number>`count(*)`.as('n'))
            .where('source', '=', 'json-files')
            .executeTakeFirstOrThrow()
        ).n,
      )
    expect([await rows('round_trips'), await rows('orders'), await rows('fills')]).toEqual([13, 18 + 8, 17])

    const rejects = await db
      .selectFrom('ledgerport_rejects')
      .select(['stream', 'file', 'path', 'field', 'reason'])
      .where('run_id', '=', result.runId)
      .orderBy('id')
      .execute()
    expect(rejects.map((r) => r.path)).toEqual([
      'trades[5].symbol',
      'trades[6].qty',
      'trades[7].qty',
      'trades[8].qty',
      'trades[9].entry_price',
      'trades[10].entry_time',
      'trades[11].qty',
      'trades[12].symbol',
      'trades[18].exit_price',
      'trades[19].reentries[0].qty',
      'trades[20]',
      'trades[21].status',
      'failed_orders[2].qty',
      'orders[7].status',
      'orders[8].symbol',
      'orders[9].qty',
    ])
    expect(rejects[1]).toEqual({
      stream: 'trades_history',
      file: 'data/trades_history.json',
      path: 'trades[6].qty',
      field: 'qty',
      reason: 'trades[6].qty: is missing; every record needs a quantity',
    })

    // Exact decimals, naive IST times as UTC instants, offsets kept, broker ids.
    const fill = await db
      .selectFrom('fills')
      .select([
        sql<string>`cast(price as text)`.as('price'),
        sql<string>`cast(quantity as text)`.as('quantity'),
        engine === 'postgres'
          ? sql<string>`to_char(executed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
              'executed_at',
            )
          : sql<string>`executed_at`.as('executed_at'),
      ])
      .where('source_key', 'in', [
        'trade:MRF:2025-11-04T09:15:01:buy',
        'trade:RELIANCE:2025-10-27T09:15:04.218331:buy',
      ])
      .orderBy('source_key')
      .execute()
    expect(fill).toEqual([
      {
        price: '123456.78901234567890123',
        quantity: '0.10000000000000000001',
        executed_at: engine === 'postgres' ? '2025-11-04T03:45:01.000000Z' : '2025-11-04T03:45:01Z',
      },
      { price: '2451.35', quantity: '40', executed_at: '2025-10-27T03:45:04.218331Z' },
    ])
    const itc = await db
      .selectFrom('orders')
      .select(['exchange_order_id', 'raw_symbol', 'symbol'])
      .where('source_key', '=', 'order:251104000000016')
      .executeTakeFirstOrThrow()
    expect(itc).toEqual({ exchange_order_id: '251104000000016', raw_symbol: 'ITC', symbol: 'ITC' })
    const trip = await db
      .selectFrom('round_trips')
      .select(['extra', 'entry_order_id', 'exit_order_id'])
      .where('source_key', '=', 'trade:TCS:2025-10-27T09:15:00')
      .executeTakeFirstOrThrow()
    expect(trip.entry_order_id).toBe(canonicalId('orders', 'json-files', 'order:251024000498761'))
    expect(trip.exit_order_id).toBe(canonicalId('orders', 'json-files', 'order:251030000098765'))
    const extra = typeof trip.extra === 'string' ? JSON.parse(trip.extra) : trip.extra
    expect(extra).toMatchObject({
      ticker: 'TCS.NS',
      capital: 100000,
      order_response: { orderId: '251024000498761' },
    })

    const verified = await verifyData({
      source: await source.create(
        { dataDir },
        { timezone: TIMEZONE, batchSize: 10, cwd: root.path, warn: () => {} },
      ),
      sourceName: 'json-files',
      target,
      timeZone: TIMEZONE,
    })
    expect(verified.error).toBeUndefined()
    expect(verified.entities.map((e) => [e.entity, e.sourceCount, e.targetCount, e.ok])).toEqual([
      ['round_trips', 13, 13, true],
      ['orders', 26, 26, true],
      ['fills', 17, 17, true],
    ])
    expect(verified.orphans.filter((c) => c.count > 0)).toEqual([])
    expect(verified.invalid.filter((c) => c.count > 0)).toEqual([])
    expect(verified.ok).toBe(true)
    expect(verified.rejected).toBe(16)
  })

  it('is idempotent: a second run changes nothing', async () => {
    const { result } = await migrate()
    expect(result.error).toBeUndefined()
    expect(result.resumed).toBe(false)
    expect(counts(result)).toEqual({
      trades_history: {
        status: 'Success',
        read: 63,
        inserted: 0,
        updated: 0,
        unchanged: 48,
        duplicates: 2,
        rejected: 13,
      },
      pending_orders: {
        status: 'Success',
        read: 12,
        inserted: 0,
        updated: 0,
        unchanged: 8,
        duplicates: 1,
        rejected: 3,
      },
    })
  })

  it('resumes a stopped run from its checkpoint without losing or doubling a row, and links --user-id', async () => {
    const other = await createTempDir()
    try {
      const dir = await writeBrokerData(other.path, { shape: 'seed' })
      const stop = new AbortController()
      const first = await migrate({
        dataDir: dir,
        batchSize: 1,
        userId: '7',
        signal: stop.signal,
        onProgress: () => stop.abort(),
      })
      expect(first.result.error?.message).toContain('Stopped before the end')
      expect(first.result.totals.inserted).toBe(3)
      const second = await migrate({ dataDir: dir, batchSize: 1, userId: '7' })
      expect(second.result.resumed).toBe(true)
      expect(second.result.error).toBeUndefined()
      expect(first.result.totals.inserted + second.result.totals.inserted).toBe(8 + 1)
      const users = await target.connection.db
        .selectFrom('orders')
        .select('user_id')
        .distinct()
        .where('source_key', 'in', [
          'order:BROKER-1001',
          'order:BROKER-1002',
          'trade:TCS:2025-10-20T09:15:00:sell',
          'order:BROKER-12345',
        ])
        .execute()
      expect(users).toEqual([{ user_id: canonicalId('users', 'cli', '7') }])
    } finally {
      await other.cleanup()
    }
  })

  it('fails only the stream whose file is truncated, and keeps the other', async () => {
    const other = await createTempDir()
    try {
      const dir = await writeBrokerData(other.path)
      await truncateFile(join(dir, 'pending_orders.json'), 700)
      const { result } = await migrate({ dataDir: dir })
      expect(result.results.map((r) => [r.stream, r.status])).toEqual([
        ['trades_history', 'Success'],
        ['pending_orders', 'Error'],
      ])
      expect(result.results[1]!.error).toMatch(
        /pending_orders\.json is not valid JSON after orders\[0\] \(.*\): the file is truncated or corrupt/,
      )
      expect(result.error?.message).toContain('1 stream(s) failed: pending_orders:')
    } finally {
      await other.cleanup()
    }
  })
})

/** The broker order ids of the bot trades' own orders, each also an entry of pending_orders.json. */
const TRADE_ORDERS = {
  '251024000512345': 'trade:RELIANCE:2025-10-27T09:15:04.218331', // order_response {nOrdNo}
  '251024000498761': 'trade:TCS:2025-10-27T09:15:00', // {orderId}
  '251027000733102': 'trade:IRFC:2025-10-28T09:15:07.004112', // {nOrdNo, data: {orderId}}
  '251020000120456': 'trade:HDFCBANK:2025-10-21T09:15:01.100923', // {data: {neoOrdNo}}
  '251030000098765': 'trade:TCS:2025-10-27T09:15:00', // sell_order_id (the exit)
} as const

describe.each<Engine>(['sqlite', 'postgres'])(
  'json-files into %s: one broker order in both files is one orders row',
  (engine) => {
    let root: { path: string; cleanup(): Promise<void> }
    beforeAll(async () => {
      root = await createTempDir()
    })
    afterAll(() => root.cleanup())

    const migrate = async (target: Target, dataDir: string) => {
      const src = await source.create(
        { dataDir },
        { timezone: TIMEZONE, batchSize: 4, cwd: root.path, warn: () => {} },
      )
      const result = await new DataMigrator({
        source: src,
        sourceName: 'json-files',
        scope: dataDir,
        target,
        timeZone: TIMEZONE,
        rejectsFile: false,
      }).run()
      expect(result.error).toBeUndefined()
      return Object.fromEntries(
        result.results.map((r) => [
          r.stream,
          [r.read, r.inserted, r.updated, r.unchanged, r.duplicates, r.rejected].join(' '),
        ]),
      )
    }

    /** Orders by broker order id: how many rows each has, and what the row of each trade order is. */
    const orders = async (target: Target) => {
      const db = target.connection.db
      const rows = await db
        .selectFrom('orders')
        .select(['source_key', 'exchange_order_id', 'status', 'round_trip_id', 'quantity'])
        .where('source', '=', 'json-files')
        .orderBy('source_key')
        .execute()
      const perBrokerId = new Map<string, number>()
      for (const row of rows) {
        if (row.exchange_order_id != null) {
          const id = String(row.exchange_order_id)
          perBrokerId.set(id, (perBrokerId.get(id) ?? 0) + 1)
        }
      }
      return { rows, doubled: [...perBrokerId].filter(([, n]) => n > 1) }
    }

    const expectTradeOrders = async (target: Target) => {
      const { rows, doubled } = await orders(target)
      expect(doubled).toEqual([])
      // 8 orders of the 5 trades, 1 failed order, 5 pending orders without a trade.
      expect(rows).toHaveLength(8 + 1 + 5)
      for (const [brokerId, trip] of Object.entries(TRADE_ORDERS)) {
        const row = rows.find((r) => r.exchange_order_id === brokerId)
        expect(row, brokerId).toMatchObject({
          source_key: `order:${brokerId}`,
          status: 'filled',
          round_trip_id: canonicalId('round_trips', 'json-files', trip),
        })
      }
      // The trade's fills and round trip point at that one row.
      const db = target.connection.db
      const fill = await db
        .selectFrom('fills')
        .select('order_id')
        .where('source_key', '=', 'trade:TCS:2025-10-27T09:15:00:sell')
        .executeTakeFirstOrThrow()
      expect(fill.order_id).toBe(canonicalId('orders', 'json-files', 'order:251030000098765'))
      const trip = await db
        .selectFrom('round_trips')
        .select(['entry_order_id', 'exit_order_id'])
        .where('source_key', '=', 'trade:TCS:2025-10-27T09:15:00')
        .executeTakeFirstOrThrow()
      expect(trip).toEqual({
        entry_order_id: canonicalId('orders', 'json-files', 'order:251024000498761'),
        exit_order_id: canonicalId('orders', 'json-files', 'order:251030000098765'),
      })
      // The pending orders that have no trade are there.
      expect(rows.find((r) => r.exchange_order_id === '251031000145678')).toMatchObject({
        source_key: 'order:251031000145678',
        status: 'pending',
        round_trip_id: null,
      })
    }

    it('skips the pending entry of a trade order (counted as a duplicate), and a re-run changes nothing', async () => {
      const { target, drop } = await openTarget(engine)
      try {
        const dataDir = await writeBrokerData(join(root.path, 'both'), { pendingOfTrades: true })
        // read inserted updated unchanged duplicates rejected
        expect(await migrate(target, dataDir)).toEqual({
          trades_history: '22 22 0 0 0 0',
          pending_orders: '10 5 0 0 5 0',
        })
        await expectTradeOrders(target)
        expect(await migrate(target, dataDir)).toEqual({
          trades_history: '22 0 0 22 0 0',
          pending_orders: '10 0 0 5 5 0',
        })
        await expectTradeOrders(target)
        const verified = await verifyData({
          source: await source.create(
            { dataDir },
            { timezone: TIMEZONE, batchSize: 4, cwd: root.path, warn: () => {} },
          ),
          sourceName: 'json-files',
          target,
          timeZone: TIMEZONE,
        })
        expect(verified.ok).toBe(true)
        expect(verified.entities.find((e) => e.entity === 'orders')).toMatchObject({
          sourceCount: 14,
          targetCount: 14,
        })
      } finally {
        await drop()
      }
    })

    it('turns the pending row into the trade order once the trade is recorded (the bot files over time)', async () => {
      const { target, drop } = await openTarget(engine)
      try {
        // First the bot has only placed the orders: pending_orders.json, no trades yet.
        const dataDir = await writeBrokerData(join(root.path, 'later'), { pendingOfTrades: true })
        const history = await readFile(join(dataDir, 'trades_history.json'))
        await rm(join(dataDir, 'trades_history.json'))
        expect(await migrate(target, dataDir)).toEqual({ pending_orders: '10 10 0 0 0 0' })
        expect(
          (await orders(target)).rows.find((r) => r.exchange_order_id === '251024000512345'),
        ).toMatchObject({ source_key: 'order:251024000512345', status: 'filled', round_trip_id: null })
        // Then they executed and became trades: the same rows now hold the trades' orders.
        await writeFile(join(dataDir, 'trades_history.json'), history)
        expect(await migrate(target, dataDir)).toEqual({
          trades_history: '22 17 5 0 0 0',
          pending_orders: '10 0 0 5 5 0',
        })
        await expectTradeOrders(target)
        expect(await migrate(target, dataDir)).toEqual({
          trades_history: '22 0 0 22 0 0',
          pending_orders: '10 0 0 5 5 0',
        })
      } finally {
        await drop()
      }
    })
  },
)
