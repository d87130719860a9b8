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
      .where('source_key', '=', 'trade:ITC:2025-11-04T09:15:02+05:30:buy')
      .executeTakeFirstOrThrow()
    expect(itc).toEqual({ exchange_order_id: '251104000000016', raw_symbol: 'ITC', symbol: 'ITC' })
    const trip = await db
      .selectFrom('round_trips')
      .select(['extra', 'entry_order_id', 'exit_order_id'])
      .where('source_key', '=', 'trade:TCS:2025-10-27T09:15:00')
      .executeTakeFirstOrThrow()
    expect(trip.entry_order_id).toBe(canonicalId('orders', 'json-files', 'trade:TCS:2025-10-27T09:15:00:buy'))
    expect(trip.exit_order_id).toBe(canonicalId('orders', 'json-files', 'trade:TCS:2025-10-27T09:15:00:sell'))
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
          'trade:RELIANCE:2025-10-27T09:15:00:buy',
          'trade:TCS:2025-10-20T09:15:00:buy',
          'trade:TCS:2025-10-20T09:15:00:sell',
          'pending:BROKER-12345',
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
