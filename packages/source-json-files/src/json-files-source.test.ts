import { mkdir, readFile, writeFile } from 'node:fs/promises'
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
import { MAX_JSON_DEPTH } from '@ledgerport/source-kit'
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
function fixture(shape: 'bot' | 'seed', ugly: boolean, pendingOfTrades = false): Promise<string> {
  const name = `${shape}:${ugly}:${pendingOfTrades}`
  let dir = fixtures.get(name)
  if (!dir) {
    dir = createTempDir().then(async (tmp) => {
      dirs.push(tmp)
      return writeBrokerData(tmp.path, { shape, ugly, pendingOfTrades })
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
  // The hostile value in a trade's and a pending order's own field (kept in extra), as text.
  hostile: async (input) => {
    const tmp = await createTempDir()
    dirs.push(tmp)
    const dir = join(tmp.path, 'data')
    await mkdir(dir)
    const trade = (symbol: string, more = '') =>
      `{"symbol":"${symbol}","entry_price":612.4,"entry_time":"2025-11-03T09:15:05","qty":10,"status":"open","order_response":{"nOrdNo":"${symbol}-1"}${more}}`
    await writeFile(
      join(dir, 'trades_history.json'),
      `{"trades":[${trade('SBIN')},${trade('TCS', `,"hostile":${input.json}`)}]}`,
    )
    await writeFile(
      join(dir, 'pending_orders.json'),
      `{"orders":[{"order_id":"2","symbol":"ITC-EQ","qty":5,"status":"PENDING","hostile":${input.json}}]}`,
    )
    return open({ dataDir: dir })
  },
})

describeSource('json-files (bot shape, ugly, with the pending entries of trade orders)', {
  create: async () => open({ dataDir: await fixture('bot', true, true) }, context([], 3)),
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
        entry_order_id: { ref: 'orders', sourceKey: 'order:251024000498761' },
        exit_order_id: { ref: 'orders', sourceKey: 'order:251030000098765' },
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
    // qty 28 is the total after the re-entry of 3: the first buy was 25, the sell all 28. Orders the
    // broker numbered are keyed by that number (as in pending_orders.json); their fills by the trade.
    expect(byKey(records, 'orders', 'order:251024000498761')?.values).toMatchObject({
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
    expect(byKey(records, 'fills', `${tcs}:buy`)?.values.order_id).toEqual({
      ref: 'orders',
      sourceKey: 'order:251024000498761',
    })
    expect(byKey(records, 'orders', 'order:251030000098765')?.values).toMatchObject({
      side: 'sell',
      quantity: '28',
      avg_price: '3900.0',
      exchange_order_id: '251030000098765',
      reason: 'EMA9_TARGET',
      closed_at: '2025-10-30T15:30:00',
    })
    expect(byKey(records, 'fills', `${tcs}:sell`)?.values.realized_pnl).toBe('1606.36')
    const entries = records
      .filter((r) => r.entity === 'round_trips')
      .map((r) => byKey(records, 'orders', (r.values.entry_order_id as { sourceKey: string }).sourceKey)!)
    expect(entries.map((r) => [r.sourceKey, r.values.exchange_order_id])).toEqual([
      ['order:251024000512345', '251024000512345'], // {nOrdNo}
      ['order:251024000498761', '251024000498761'], // {orderId}
      ['order:251027000733102', '251027000733102'], // {nOrdNo, data: {orderId}}
      ['order:251020000120456', '251020000120456'], // {data: {neoOrdNo}}
      ['trade:INFY:2025-10-31T10:12:45.337001:buy', undefined], // null: no broker id, the trade's key
    ])
    // HDFCBANK's exit has no sell_order_id: keyed by its trade.
    expect(byKey(records, 'orders', 'trade:HDFCBANK:2025-10-21T09:15:01.100923:sell')?.values.side).toBe(
      'sell',
    )
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
    expect(byKey(records, 'orders', 'order:251104000000016')?.values).toMatchObject({
      symbol: 'ITC',
      exchange_order_id: '251104000000016',
    })
    expect(byKey(records, 'orders', 'order:251104000000017')?.values).toMatchObject({
      symbol: 'WIPRO',
      exchange_order_id: '251104000000017',
    })
    // The ugly trades share one broker order id: the first to land (trades[14]) is keyed by it, the
    // later ones keep their trade keys (and the id).
    expect(byKey(records, 'orders', 'order:251103000000001')?.location?.path).toBe('trades[14]')
    expect(byKey(records, 'orders', 'trade:MRF:2025-11-04T09:15:01:buy')?.values.exchange_order_id).toBe(
      '251103000000001',
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
      ['order:251031000145678', 'pending', 'PENDING', '0'],
      ['order:251031000145702', 'open', 'OPEN', '0'],
      ['order:251030000139951', 'filled', 'EXECUTED', '40'],
      ['order:251030000139988', 'rejected', 'REJECTED', '0'],
      ['order:251029000122004', 'open', 'PARTIALLY_FILLED', '18'],
      ['order:251031000150001', 'cancelled', 'CANCELLED', '0'],
      ['pending:NTPC-EQ:2025-11-03T16:00:00', 'pending', 'PENDING', undefined],
      ['order:251031000150006', 'filled', 'COMPLETE', '9'],
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
        'same broker order id 251030000139951 as orders[2] (order order:251030000139951), which was kept',
      ],
    ])
  })

  it("keeps one order per broker order id: a pending order that is a trade's order is a duplicate naming both", async () => {
    const src = await open({ dataDir: await fixture('bot', true, true) })
    const trades = await readStream(src, 'trades_history')
    const pending = await readStream(src, 'pending_orders')
    // The trades' orders, each in every order_response shape, and TCS's exit (sell_order_id).
    const tradeOrders = ['251024000512345', '251024000498761', '251027000733102', '251020000120456']
    const exit = '251030000098765'
    for (const id of [...tradeOrders, exit]) {
      expect(byKey(trades.records, 'orders', `order:${id}`)?.values).toMatchObject({
        exchange_order_id: id,
        status: 'filled',
        round_trip_id: { ref: 'round_trips' },
      })
      expect(pending.records.filter((r) => r.values.exchange_order_id === id)).toEqual([])
    }
    const file = expect.stringMatching(/data\/pending_orders\.json$/)
    const tradesFile = trades.records[0]!.location!.file!
    expect(pending.duplicates).toEqual([
      {
        location: { file, path: 'orders[5]' },
        reason:
          'same broker order id 251030000139951 as orders[2] (order order:251030000139951), which was kept',
      },
      ...tradeOrders.map((id, n) => ({
        location: { file, path: `orders[${12 + n}]` },
        reason: `same broker order id ${id} as the entry order of trades[${n}] in ${tradesFile} (order order:${id}), which was kept`,
      })),
      {
        location: { file, path: 'orders[16]' },
        reason: `same broker order id ${exit} as the exit order of trades[1] in ${tradesFile} (order order:${exit}), which was kept`,
      },
    ])
    // The pending orders without a trade are all there, as before.
    expect(pending.records.map((r) => r.sourceKey)).toEqual([
      'order:251031000145678',
      'order:251031000145702',
      'order:251030000139951',
      'order:251030000139988',
      'order:251029000122004',
      'order:251031000150001',
      'pending:NTPC-EQ:2025-11-03T16:00:00',
      'order:251031000150006',
    ])
    // Across both streams no order is yielded twice, and no broker order id is on two orders but
    // those of the ugly trades that share one (trades[14] has its key, the later ones their own).
    const orders = [...trades.records, ...pending.records].filter((r) => r.entity === 'orders')
    expect(new Set(orders.map((r) => r.sourceKey)).size).toBe(orders.length)
    const ids = orders.map((r) => r.values.exchange_order_id).filter((id) => id !== undefined)
    expect(ids.filter((id, i) => ids.indexOf(id) !== i && id !== '251103000000001')).toEqual([])
  })

  it('skips a pending order only for a trade that lands: not for a rejected trade, nor without the trades file', async () => {
    const tmp = await createTempDir()
    dirs.push(tmp)
    const trade = (over: Record<string, unknown>) => ({
      symbol: 'SBIN',
      entry_price: 612.4,
      entry_time: '2025-11-03T09:15:05',
      qty: 10,
      status: 'open',
      ...over,
    })
    const pendingOrder = (id: string) => ({
      order_id: id,
      symbol: 'SBIN-EQ',
      qty: 10,
      order_type: 'MARKET',
      variety: 'AMO',
      status: 'EXECUTED',
      placed_at: '2025-10-31T16:02:11',
    })
    const dir = join(tmp.path, 'data')
    await writeJsonFile(join(dir, 'trades_history.json'), {
      trades: [
        trade({ qty: 0, order_response: { nOrdNo: '1001' } }), // rejected: its order is not landed
        trade({ order_response: { stat: 'Ok', nOrdNo: '1002', stCode: 200 } }),
        trade({ entry_time: '2025-11-03T09:16:00', order_response: { orderId: '1002' } }), // same id again
      ],
      failed_orders: [],
    })
    await writeJsonFile(join(dir, 'pending_orders.json'), {
      orders: [pendingOrder('1001'), pendingOrder('1002'), pendingOrder('1003')],
    })
    const src = await open({ dataDir: dir })
    const trades = await readStream(src, 'trades_history')
    expect(trades.rejects.map((r) => r.location.path)).toEqual(['trades[0].qty'])
    expect(
      trades.records
        .filter((r) => r.entity === 'orders')
        .map((r) => [r.sourceKey, r.values.exchange_order_id]),
    ).toEqual([
      ['order:1002', '1002'],
      ['trade:SBIN:2025-11-03T09:16:00:buy', '1002'],
    ])
    const pending = await readStream(src, 'pending_orders')
    expect(pending.records.map((r) => r.sourceKey)).toEqual(['order:1001', 'order:1003'])
    expect(pending.duplicates.map((d) => [d.location.path, d.reason])).toEqual([
      [
        'orders[1]',
        `same broker order id 1002 as the entry order of trades[1] in ${trades.records[0]!.location!.file} (order order:1002), which was kept`,
      ],
    ])

    // Without trades_history.json (or with --pending-orders alone) every pending order lands, keyed
    // as its trade's order will be: a later run with the trade updates that row.
    const alone = await open({ pendingOrders: join(dir, 'pending_orders.json') })
    expect((await readStream(alone, 'pending_orders')).records.map((r) => r.sourceKey)).toEqual([
      'order:1001',
      'order:1002',
      'order:1003',
    ])
    // A trades_history.json that breaks off: the pending stream still reads, skipping the orders of
    // the trades before the fault.
    const history = join(dir, 'trades_history.json')
    await truncateFile(history, (await readFile(history, 'utf8')).indexOf('2025-11-03T09:16:00'))
    const broken = await open({ dataDir: dir })
    await expect(readStream(broken, 'trades_history')).rejects.toThrow(/is not valid JSON after trades\[1\]/)
    expect((await readStream(broken, 'pending_orders')).records.map((r) => r.sourceKey)).toEqual([
      'order:1001',
      'order:1003',
    ])
    await truncateFile(history, 20)
    expect(
      (await readStream(await open({ dataDir: dir }), 'pending_orders')).records.map((r) => r.sourceKey),
    ).toEqual(['order:1001', 'order:1002', 'order:1003'])
  })

  it('rejects a record nested 20,000 deep, naming it and the depth limit, and reads on', async () => {
    const tmp = await createTempDir()
    dirs.push(tmp)
    const dir = join(tmp.path, 'data')
    await mkdir(dir)
    const hostile = (fields: string) => `{${fields},"levels":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`
    const trade = (symbol: string) =>
      `{"symbol":"${symbol}","entry_price":612.4,"entry_time":"2025-11-03T09:15:05","qty":10,"status":"open","order_response":{"nOrdNo":"${symbol}-1"}}`
    // Written as text: JSON.stringify itself overflows the stack on such a value.
    await writeFile(
      join(dir, 'trades_history.json'),
      `{"trades":[${trade('SBIN')},${hostile('"symbol":"TCS","qty":1')},${trade('INFY')}],"failed_orders":[${hostile('"symbol":"ONGC"')}]}`,
    )
    await writeFile(
      join(dir, 'pending_orders.json'),
      `{"orders":[${hostile('"order_id":"1"')},{"order_id":"2","symbol":"ITC-EQ","qty":5,"status":"PENDING"}]}`,
    )
    const src = await open({ dataDir: dir })
    const trades = await readStream(src, 'trades_history')
    const limit = `nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects, the most ledgerport reads (MAX_JSON_DEPTH), so it was not read; flatten or remove it and run again`
    expect(trades.rejects.map((r) => [r.entity, r.location, r.reason])).toEqual([
      [
        'round_trips',
        { file: expect.stringMatching(/data\/trades_history\.json$/), path: 'trades[1]' },
        `trades[1]: ${limit}`,
      ],
      [
        'orders',
        { file: expect.stringMatching(/data\/trades_history\.json$/), path: 'failed_orders[0]' },
        `failed_orders[0]: ${limit}`,
      ],
    ])
    expect(trades.records.filter((r) => r.entity === 'round_trips').map((r) => r.sourceKey)).toEqual([
      'trade:SBIN:2025-11-03T09:15:05',
      'trade:INFY:2025-11-03T09:15:05',
    ])
    const pending = await readStream(src, 'pending_orders')
    expect(pending.rejects.map((r) => [r.location.path, r.reason])).toEqual([
      ['orders[0]', `orders[0]: ${limit}`],
    ])
    expect(pending.records.map((r) => r.sourceKey)).toEqual(['order:2'])
    expect(await src.count!((await src.discover())[0]!)).toBe(4)
  })

  it('reads the seed shapes: .NS symbols, float quantities, orderId responses, explicit side', async () => {
    const src = await open({ dataDir: await fixture('seed', false) })
    const trades = await readStream(src, 'trades_history')
    expect(trades.records.map((r) => `${r.entity} ${r.sourceKey}`)).toEqual([
      'round_trips trade:RELIANCE:2025-10-27T09:15:00',
      'orders order:BROKER-1001',
      'fills trade:RELIANCE:2025-10-27T09:15:00:buy',
      'round_trips trade:TCS:2025-10-20T09:15:00',
      'orders order:BROKER-1002',
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
    const withTrades = await open({ dataDir: await fixture('bot', true, true) })
    expect(await withTrades.count!((await withTrades.discover())[1]!)).toBe(12 + 5)
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
