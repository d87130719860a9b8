import { join } from 'node:path'
import {
  type CanonicalRecord,
  type Duplicate,
  normalizeRecord,
  type PluginContext,
  type Reject,
  type Source,
  type SourceBatch,
} from '@ledgerport/core'
import { describeSource } from '@ledgerport/core/testing'
import {
  createTempDir,
  truncateFile,
  writeBrokerData,
  writeJsonFile,
  writeLargeTradesHistory,
} from '@ledgerport/test-kit'
import { afterAll, describe, expect, it } from 'vitest'
import { type JsonFilesOptions, source } from './json-files-source.js'

const dirs: Array<{ cleanup(): Promise<void> }> = []
afterAll(async () => {
  for (const dir of dirs) await dir.cleanup()
})

/** A temp folder with a broker data folder written into it (once per shape). */
const fixtures = new Map<string, Promise<string>>()
function fixture(shape: 'bot' | 'seed', ugly: boolean): Promise<string> {
  const name = `${shape}:${ugly}`
  let dir = fixtures.get(name)
  if (!dir) {
    dir = createTempDir().then(async (tmp) => {
      dirs.push(tmp)
      return writeBrokerData(tmp.path, { shape, ugly })
    })
    fixtures.set(name, dir)
  }
  return dir
}

function context(warnings: string[] = [], batchSize = 7, timezone = 'UTC'): PluginContext {
  return { timezone, batchSize, cwd: '/', warn: (message) => warnings.push(message) }
}

async function open(options: Partial<JsonFilesOptions>, ctx = context()): Promise<Source> {
  return source.create({ dataDir: 'data', ...options }, ctx)
}

interface Read {
  readonly records: CanonicalRecord[]
  readonly rejects: Reject[]
  readonly duplicates: Duplicate[]
  readonly batches: SourceBatch[]
}

async function readStream(src: Source, name: string): Promise<Read> {
  const stream = (await src.discover()).find((s) => s.name === name)!
  const out: Read = { records: [], rejects: [], duplicates: [], batches: [] }
  for await (const batch of src.read(stream)) {
    out.batches.push(batch)
    out.records.push(...batch.records)
    out.rejects.push(...(batch.rejects ?? []))
    out.duplicates.push(...(batch.duplicates ?? []))
  }
  return out
}

const byKey = (records: CanonicalRecord[], entity: string, key: string) =>
  records.find((r) => r.entity === entity && r.sourceKey === key)

describeSource('json-files (bot shape, with ugly records)', {
  create: async () => open({ dataDir: await fixture('bot', true) }),
  streams: ['trades_history', 'pending_orders'],
})

describeSource('json-files (seed shape, Asia/Kolkata)', {
  create: async () => open({ dataDir: await fixture('seed', false) }, context([], 2, 'Asia/Kolkata')),
  streams: ['trades_history', 'pending_orders'],
  timeZone: 'Asia/Kolkata',
})

describe('json-files mapping', () => {
  it("maps the bot's trades: round trips, entry/re-entry/exit orders and fills, broker ids of every shape", async () => {
    const { records, rejects, duplicates } = await readStream(
      await open({ dataDir: await fixture('bot', false) }),
      'trades_history',
    )
    expect(rejects).toEqual([])
    expect(duplicates).toEqual([])
    const count = (entity: string) => records.filter((r) => r.entity === entity).length
    expect([count('round_trips'), count('orders'), count('fills')]).toEqual([5, 9, 8])

    const tcs = 'trade:TCS:2025-10-27T09:15:00'
    expect(byKey(records, 'round_trips', tcs)).toEqual({
      entity: 'round_trips',
      sourceKey: tcs,
      location: { file: expect.stringMatching(/data\/trades_history\.json$/), path: 'trades[1]' },
      values: {
        symbol: 'TCS',
        raw_symbol: 'TCS',
        direction: 'long',
        status: 'closed',
        source_status: 'closed',
        entry_order_id: { ref: 'orders', sourceKey: `${tcs}:buy` },
        exit_order_id: { ref: 'orders', sourceKey: `${tcs}:sell` },
        quantity: '28',
        open_rate: '3842.63',
        close_rate: '3900.0',
        profit_abs: '1606.36',
        profit_ratio: '0.0149',
        enter_tag: 'system_recommended',
        exit_reason: 'EMA9_TARGET',
        opened_at: '2025-10-27T09:15:00',
        closed_at: '2025-10-30T15:30:00',
      },
      extra: expect.objectContaining({
        placed_symbol: 'TCS-EQ',
        ticker: 'TCS.NS',
        exit_rsi10: expect.anything(),
      }),
    })
    // qty 28 is the total after the re-entry of 3: the first buy was 25, the sell all 28.
    expect(byKey(records, 'orders', `${tcs}:buy`)?.values).toMatchObject({
      quantity: '25',
      avg_price: '3842.63',
      exchange_order_id: '251024000498761',
      status: 'filled',
    })
    expect(byKey(records, 'orders', `${tcs}:reentry:0`)).toMatchObject({
      values: { quantity: '3', avg_price: '3781.2', placed_at: '2025-10-28T09:15:02.551870', side: 'buy' },
      extra: { level: expect.anything(), rsi: expect.anything() },
      location: { path: 'trades[1].reentries[0]' },
    })
    expect(byKey(records, 'fills', `${tcs}:reentry:0`)?.values.order_id).toEqual({
      ref: 'orders',
      sourceKey: `${tcs}:reentry:0`,
    })
    expect(byKey(records, 'orders', `${tcs}:sell`)?.values).toMatchObject({
      side: 'sell',
      quantity: '28',
      avg_price: '3900.0',
      exchange_order_id: '251030000098765',
      reason: 'EMA9_TARGET',
      closed_at: '2025-10-30T15:30:00',
    })
    expect(byKey(records, 'fills', `${tcs}:sell`)?.values.realized_pnl).toBe('1606.36')
    const brokerIds = records
      .filter((r) => r.entity === 'orders' && r.sourceKey.endsWith(':buy'))
      .map((r) => r.values.exchange_order_id)
    expect(brokerIds).toEqual([
      '251024000512345',
      '251024000498761',
      '251027000733102',
      '251020000120456',
      undefined,
    ])
    expect(byKey(records, 'orders', 'failed:TATAMOTORS:2025-10-30T16:05:12.118204')).toMatchObject({
      values: {
        symbol: 'TATAMOTORS',
        raw_symbol: 'TATAMOTORS-EQ',
        status: 'rejected',
        reason: 'insufficient_balance',
        quantity: '145',
        updated_at: '2025-10-31T08:45:03.004512',
      },
      extra: { ticker: 'TATAMOTORS.NS', retry_count: expect.anything() },
    })
    // Every record is valid for the engine.
    for (const record of records) expect(normalizeRecord(record, { timeZone: 'UTC' }).issues).toEqual([])
  })

  it('rejects bad trades with their JSON path and a reason, skips duplicates naming the kept one', async () => {
    const { records, rejects, duplicates } = await readStream(
      await open({ dataDir: await fixture('bot', true) }),
      'trades_history',
    )
    expect(rejects.map((r) => r.location.path)).toEqual([
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
    ])
    expect(rejects.every((r) => r.location.file?.endsWith('data/trades_history.json'))).toBe(true)
    const reasons = Object.fromEntries(rejects.map((r) => [r.location.path, r.reason]))
    expect(reasons['trades[7].qty']).toBe(
      'trades[7].qty: 0 is not a quantity above 0; fix it or remove the record',
    )
    expect(reasons['trades[9].entry_price']).toContain('"abc" is not a money amount')
    expect(reasons['trades[10].entry_time']).toContain('"yesterday" is not a time')
    expect(reasons['trades[11].qty']).toBe(
      'trades[11].qty: true is not a quantity (a boolean); write it as a number',
    )
    expect(reasons['trades[12].symbol']).toContain('12345 is not a symbol (a number)')
    expect(reasons['trades[20]']).toContain('"oops" is not a trade (a string)')
    expect(rejects[0]!.raw).toBeDefined()
    expect(duplicates).toEqual([
      {
        location: { file: expect.stringMatching(/trades_history\.json$/), path: 'trades[13]' },
        reason: 'same symbol, entry_time, entry_price and qty as trades[0], which was kept',
      },
      {
        location: { file: expect.stringMatching(/trades_history\.json$/), path: 'failed_orders[1]' },
        reason: 'same symbol and first_failed_at as failed_orders[0], which was kept',
      },
    ])
    // 5 bot trades + 8 ugly ones that land (14–17, 22–25).
    expect(records.filter((r) => r.entity === 'round_trips')).toHaveLength(13)
    const tcs = 'trade:TCS:2025-11-04 09:15:00'
    expect(byKey(records, 'round_trips', tcs)).toMatchObject({
      values: { open_rate: '3842.00', close_rate: '4012.50', profit_abs: '852.50', profit_ratio: '0.044378' },
      extra: { entry_price: '₹3,842.00', exit_price: '₹4,012.50', pnl: '₹852.50' },
    })
    expect(byKey(records, 'fills', 'trade:MRF:2025-11-04T09:15:01:buy')?.values).toMatchObject({
      price: '123456.78901234567890123',
      quantity: '0.10000000000000000001',
    })
    expect(
      byKey(records, 'orders', 'trade:ITC:2025-11-04T09:15:02+05:30:buy')?.values.exchange_order_id,
    ).toBe('251104000000016')
    expect(byKey(records, 'orders', 'trade:WIPRO:2025-11-04T09:15:03:buy')?.values.exchange_order_id).toBe(
      '251104000000017',
    )
    expect(byKey(records, 'round_trips', 'trade:ONGC:2025-11-04T09:15:07')?.extra).toMatchObject({
      rsi10: 'NaN',
    })
    expect(byKey(records, 'round_trips', 'trade:ONGC:2025-11-04T09:15:07:2')?.values.quantity).toBe('11')
    expect(byKey(records, 'round_trips', 'trade:BEL:1762227900')?.values).toMatchObject({
      raw_symbol: 'BEL.NS',
      opened_at: '1762227900',
    })
  })

  it('maps pending orders: statuses, raw status, price 0.0 as none, duplicates by broker order id', async () => {
    const { records, rejects, duplicates } = await readStream(
      await open({ dataDir: await fixture('bot', true) }),
      'pending_orders',
    )
    expect(
      records.map((r) => [r.sourceKey, r.values.status, r.values.source_status, r.values.filled_quantity]),
    ).toEqual([
      ['pending:251031000145678', 'pending', 'PENDING', '0'],
      ['pending:251031000145702', 'open', 'OPEN', '0'],
      ['pending:251030000139951', 'filled', 'EXECUTED', '40'],
      ['pending:251030000139988', 'rejected', 'REJECTED', '0'],
      ['pending:251029000122004', 'open', 'PARTIALLY_FILLED', '18'],
      ['pending:251031000150001', 'cancelled', 'CANCELLED', '0'],
      ['pending:NTPC-EQ:2025-11-03T16:00:00', 'pending', 'PENDING', undefined],
      ['pending:251031000150006', 'filled', 'COMPLETE', '9'],
    ])
    expect(records[0]).toMatchObject({
      values: {
        symbol: 'SBIN',
        raw_symbol: 'SBIN-EQ',
        side: 'buy',
        order_type: 'market',
        source_type: 'MARKET',
        quantity: '120',
        exchange_order_id: '251031000145678',
        placed_at: '2025-10-31T16:02:11.402917',
      },
      extra: { ticker: 'SBIN.NS', variety: 'AMO', check_count: expect.anything(), price: expect.anything() },
    })
    expect(records[0]!.values.price).toBeUndefined()
    expect(records[1]!.values.price).toBe('133.22')
    expect(records[3]!.values.reason).toBe('RMS:Margin Exceeds,Required:99450.00, Available:61230.55')
    // The sell engine's REGULAR LIMIT order is a sell; its "₹141.05" price is read and kept as written.
    expect(records[5]).toMatchObject({
      values: { side: 'sell', price: '141.05', quantity: '758.0' },
      extra: { price: '₹141.05' },
    })
    expect(rejects.map((r) => r.location.path)).toEqual([
      'orders[7].status',
      'orders[8].symbol',
      'orders[9].qty',
    ])
    expect(duplicates.map((d) => [d.location.path, d.reason])).toEqual([
      [
        'orders[5]',
        'same broker order id 251030000139951 as orders[2] (order pending:251030000139951), which was kept',
      ],
    ])
  })

  it('reads the seed shapes: .NS symbols, float quantities, orderId responses, explicit side', async () => {
    const src = await open({ dataDir: await fixture('seed', false) })
    const trades = await readStream(src, 'trades_history')
    expect(trades.records.map((r) => `${r.entity} ${r.sourceKey}`)).toEqual([
      'round_trips trade:RELIANCE:2025-10-27T09:15:00',
      'orders trade:RELIANCE:2025-10-27T09:15:00:buy',
      'fills trade:RELIANCE:2025-10-27T09:15:00:buy',
      'round_trips trade:TCS:2025-10-20T09:15:00',
      'orders trade:TCS:2025-10-20T09:15:00:buy',
      'fills trade:TCS:2025-10-20T09:15:00:buy',
      'orders trade:TCS:2025-10-20T09:15:00:sell',
      'fills trade:TCS:2025-10-20T09:15:00:sell',
    ])
    expect(trades.records[1]!.values).toMatchObject({
      symbol: 'RELIANCE',
      raw_symbol: 'RELIANCE.NS',
      quantity: '10.0',
      exchange_order_id: 'BROKER-1001',
    })
    const pending = await readStream(src, 'pending_orders')
    expect(pending.records[0]!.values).toMatchObject({
      symbol: 'RELIANCE',
      raw_symbol: 'RELIANCE.NS',
      side: 'buy',
      status: 'pending',
      source_status: 'PENDING',
      exchange_order_id: 'BROKER-12345',
      quantity: '10.0',
    })
  })

  it('reads only the files given by --trades-history / --pending-orders, and says which are missing', async () => {
    const dataDir = await fixture('bot', false)
    const only = await open({ tradesHistory: join(dataDir, 'trades_history.json') })
    expect((await only.discover()).map((s) => s.name)).toEqual(['trades_history'])
    await expect((await open({ pendingOrders: join(dataDir, 'nope.json') })).discover()).rejects.toThrow(
      /^--pending-orders .*nope\.json: no such file\. Check the path\.$/,
    )

    const tmp = await createTempDir()
    dirs.push(tmp)
    await writeJsonFile(join(tmp.path, 'data', 'pending_orders.json'), { orders: [] })
    const warnings: string[] = []
    const partial = await source.create({ dataDir: 'data' }, { ...context(warnings), cwd: tmp.path })
    expect((await partial.discover()).map((s) => s.name)).toEqual(['pending_orders'])
    expect(warnings).toEqual(['data/trades_history.json not found: stream trades_history is skipped.'])
    await expect(
      (await source.create({ dataDir: 'empty' }, { ...context(), cwd: tmp.path })).discover(),
    ).rejects.toThrow('No trades_history.json or pending_orders.json in empty.')
  })

  it('counts the source records of each stream', async () => {
    const src = await open({ dataDir: await fixture('bot', true) })
    const [trades, pending] = await src.discover()
    expect(await src.count!(trades!)).toBe(26 + 3)
    expect(await src.count!(pending!)).toBe(12)
  })

  it('throws from read on a truncated file after the batches before the cut', async () => {
    const tmp = await createTempDir()
    dirs.push(tmp)
    const file = join(tmp.path, 'trades_history.json')
    await writeLargeTradesHistory(file, { trades: 200 })
    await truncateFile(file)
    const src = await open({ tradesHistory: file }, context([], 50))
    const batches: SourceBatch[] = []
    const error = await (async () => {
      try {
        for await (const batch of src.read((await src.discover())[0]!)) batches.push(batch)
      } catch (error) {
        return error as Error
      }
    })()
    expect(batches.length).toBeGreaterThan(0)
    expect(error?.message).toMatch(
      /trades_history\.json is not valid JSON after trades\[\d+\] \(.*\): the file is truncated or corrupt\. Records before that point were read; restore or repair the file and run again to read the rest\.$/,
    )
  })
})
