import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type CanonicalRecord,
  type Duplicate,
  normalizeRecord,
  type PluginContext,
  type Reject,
  type Source,
} from '@ledgerport/core'
import { describeSource } from '@ledgerport/core/testing'
import { JsonNumber, MAX_JSON_DEPTH, SeenKeys } from '@ledgerport/source-kit'
import { createTempDir, truncateFile, writeJsonFile, writePaperTrading } from '@ledgerport/test-kit'
import { afterAll, describe, expect, it } from 'vitest'
import { mapPaperOrder } from './paper-orders.js'
import { type PaperTradingOptions, source } from './paper-trading-source.js'

const dirs: Array<{ cleanup(): Promise<void> }> = []
afterAll(async () => {
  for (const dir of dirs) await dir.cleanup()
})

type Fixture = { shape: 'bot' | 'seed'; ugly?: boolean; layout?: 'single' | 'per-user' }
const fixtures = new Map<string, Promise<string>>()
function fixture(options: Fixture): Promise<string> {
  const name = JSON.stringify(options)
  let dir = fixtures.get(name)
  if (!dir) {
    dir = createTempDir().then(async (tmp) => {
      dirs.push(tmp)
      return writePaperTrading(tmp.path, options)
    })
    fixtures.set(name, dir)
  }
  return dir
}

function context(warnings: string[] = [], extra: Partial<PluginContext> = {}): PluginContext {
  return { timezone: 'UTC', batchSize: 3, cwd: '/', warn: (message) => warnings.push(message), ...extra }
}

function open(dir: string, ctx = context(), options: Partial<PaperTradingOptions> = {}): Source {
  return source.create({ dir, matchTolerance: 60, currency: 'INR', ...options }, ctx) as Source
}

interface Read {
  readonly records: CanonicalRecord[]
  readonly rejects: Reject[]
  readonly duplicates: Duplicate[]
}

async function readStream(src: Source, name: string): Promise<Read> {
  const stream = (await src.discover()).find((s) => s.name === name)!
  const out: Read = { records: [], rejects: [], duplicates: [] }
  for await (const batch of src.read(stream)) {
    out.records.push(...batch.records)
    out.rejects.push(...(batch.rejects ?? []))
    out.duplicates.push(...(batch.duplicates ?? []))
  }
  return out
}

describeSource('paper-trading (one folder, bot shape, ugly items)', {
  create: async () => open(await fixture({ shape: 'bot', ugly: true })),
  streams: ['orders', 'holdings', 'transactions', 'account'],
  // The hostile value in an order's, a holding's, a transaction's and the account's own field.
  hostile: async (input) => {
    const tmp = await createTempDir()
    dirs.push(tmp)
    const dir = join(tmp.path, 'user_7')
    await mkdir(dir)
    const order = (id: string, more = '') =>
      `{"order_id":"${id}","symbol":"SBIN-EQ","transaction_type":"BUY","quantity":10,"status":"COMPLETE","placed_at":"2025-11-19T09:15:00"${more}}`
    await writeFile(join(dir, 'orders.json'), `[${order('A')},${order('B', `,"legs":${input.json}`)}]`)
    await writeFile(join(dir, 'holdings.json'), `{"TCS":{"quantity":1,"notes":${input.json}}}`)
    await writeFile(
      join(dir, 'transactions.json'),
      `[{"order_id":"A","symbol":"SBIN","transaction_type":"BUY","quantity":10,"price":612.4,"timestamp":"2025-11-19T09:15:01","tags":${input.json}}]`,
    )
    await writeFile(join(dir, 'account.json'), `{"available_cash":1000,"history":${input.json}}`)
    return open(dir)
  },
})

describeSource('paper-trading (per-user folders)', {
  create: async () => open(await fixture({ shape: 'bot', ugly: true, layout: 'per-user' })),
  streams: ['users', 'orders', 'holdings', 'transactions', 'account'],
})

describeSource('paper-trading (seed shape, Asia/Kolkata)', {
  create: async () => open(await fixture({ shape: 'seed' }), context([], { timezone: 'Asia/Kolkata' })),
  streams: ['orders', 'holdings', 'transactions'],
  timeZone: 'Asia/Kolkata',
})

describe('paper-trading mapping', () => {
  it("maps the bot's orders: transaction_type, ₹ prices, executed price and quantity, statuses", async () => {
    const { records, rejects, duplicates } = await readStream(
      open(await fixture({ shape: 'bot', ugly: true })),
      'orders',
    )
    expect(records.map((r) => [r.sourceKey, r.values.side, r.values.status, r.values.source_status])).toEqual(
      [
        ['unified_service:order:PT202511190001', 'buy', 'filled', 'COMPLETE'],
        ['unified_service:order:PT202511200002', 'buy', 'open', 'OPEN'],
        ['unified_service:order:PT202511180007', 'sell', 'filled', 'EXECUTED'],
        ['unified_service:order:PT202511190003', 'buy', 'rejected', 'REJECTED'],
        ['unified_service:order:PT202511210005', 'buy', 'pending', 'TRIGGER_PENDING'],
        ['unified_service:order:PT202511210009', 'buy', 'open', 'PARTIALLY_FILLED'],
        ['unified_service:order:PT202511210010', 'sell', 'cancelled', 'CANCELLED'],
      ],
    )
    expect(records[2]).toMatchObject({
      values: {
        exchange: 'NSE',
        symbol: 'TCS',
        order_type: 'market',
        source_type: 'MARKET',
        quantity: '25',
        filled_quantity: '25',
        price: '3900.00',
        avg_price: '3898.05',
        time_in_force: 'DAY',
        exchange_order_id: 'PT202511180007',
        placed_at: '2025-11-18T14:55:10.004400',
        filled_at: '2025-11-18T14:55:10.212931',
        closed_at: '2025-11-18T14:55:10.212931',
        updated_at: '2025-11-18T14:55:10.215117',
      },
      extra: {
        price: '₹3,900.00',
        executed_price: '₹3,898.05',
        product_type: 'CNC',
        variety: 'REGULAR',
        created_at: '2025-11-18T14:55:10.004400',
      },
      location: { path: '[2]' },
    })
    expect(records[0]!.values.price).toBeUndefined()
    expect(records[3]!.values.reason).toBe('Rejected: Insufficient funds')
    expect(records[4]!.values).toMatchObject({
      raw_symbol: 'SBIN.NS',
      symbol: 'SBIN',
      order_type: 'stop_limit',
      price: '612.12345678901234567890',
      placed_at: '2025-11-21T10:00:00',
    })
    expect(records[5]!.values.filled_quantity).toBe('3')
    expect(records[6]!.values.closed_at).toBe('2025-11-21T10:07:00')
    expect(rejects.map((r) => [r.location.path, r.reason])).toEqual([
      ['[6].quantity', '[6].quantity: 0 is not a quantity above 0; fix it or remove the record'],
      ['[7].transaction_type', '[7].transaction_type: "HOLD" is not a side (BUY or SELL)'],
      ['[8].price', expect.stringContaining('[8].price: "n/a" is not a money amount')],
    ])
    expect(rejects.every((r) => r.location.file?.endsWith('paper_trading/unified_service/orders.json'))).toBe(
      true,
    )
    expect(duplicates.map((d) => [d.location.path, d.reason])).toEqual([
      [
        '[4]',
        'same order_id PT202511190001 as [0] (order unified_service:order:PT202511190001), which was kept',
      ],
    ])
  })

  it('maps every order status the bot and the migration doc write', () => {
    const statuses = [
      'PENDING',
      'OPEN',
      'EXECUTED',
      'COMPLETE',
      'FILLED',
      'CANCELLED',
      'REJECTED',
      'PARTIALLY_FILLED',
      'TRIGGER_PENDING',
    ]
    const mapped = statuses.map((status, index) => {
      const result = mapPaperOrder(
        { file: 'orders.json', folder: 'f', timezone: 'UTC', seen: new SeenKeys() },
        {
          section: null,
          index,
          value: { order_id: `o${index}`, symbol: 'X', side: 'sell', quantity: new JsonNumber('1'), status },
        },
      )
      return result.records?.[0]?.values.status
    })
    expect(mapped).toEqual([
      'pending',
      'open',
      'filled',
      'filled',
      'filled',
      'cancelled',
      'rejected',
      'open',
      'pending',
    ])
  })

  it('maps holdings to positions keyed by folder and symbol, in both shapes', async () => {
    const bot = await readStream(open(await fixture({ shape: 'bot', ugly: true })), 'holdings')
    expect(bot.records.map((r) => [r.sourceKey, r.values])).toEqual([
      [
        'unified_service:position:FORTIS',
        {
          exchange: 'NSE',
          symbol: 'FORTIS',
          raw_symbol: 'FORTIS',
          side: 'buy',
          quantity: '107',
          avg_price: '931.45',
          unrealized_pnl: '1353.55',
          realized_pnl: undefined,
          status: 'open',
          opened_at: undefined,
        },
      ],
      [
        'unified_service:position:INFY',
        expect.objectContaining({ quantity: '15', unrealized_pnl: '-339.75' }),
      ],
    ])
    expect(bot.records[1]!.extra).toMatchObject({
      isin: 'INE009A01021',
      last_updated: '2025-11-20T15:30:04.553911',
    })
    expect(bot.rejects.map((r) => r.location.path)).toEqual(['BROKEN.quantity', '["ODD-EQ"]'])
    expect(bot.duplicates.map((d) => [d.location.path, d.reason])).toEqual([
      [
        '["FORTIS.NS"]',
        'same symbol FORTIS as FORTIS (position unified_service:position:FORTIS), which was kept',
      ],
    ])
    const seed = await readStream(open(await fixture({ shape: 'seed' })), 'holdings')
    expect(seed.records.map((r) => r.values)).toEqual([
      expect.objectContaining({
        symbol: 'RELIANCE',
        raw_symbol: 'RELIANCE.NS',
        quantity: '10.0',
        avg_price: '2450.0',
        unrealized_pnl: '500.0',
        opened_at: '2025-10-27T09:15:00',
      }),
    ])
  })

  it('links fills to orders by order_id, else by symbol, side and nearest time, and counts the unlinked', async () => {
    const warnings: string[] = []
    const { records, rejects, duplicates } = await readStream(
      open(await fixture({ shape: 'bot', ugly: true }), context(warnings)),
      'transactions',
    )
    expect(records.map((r) => [r.sourceKey, r.values.order_id])).toEqual([
      ['unified_service:fill:PT202511180004:2025-11-17T09:15:01.907714', undefined],
      [
        'unified_service:fill:PT202511180007:2025-11-18T14:55:10.213460',
        { ref: 'orders', sourceKey: 'unified_service:order:PT202511180007' },
      ],
      [
        'unified_service:fill:PT202511190001:2025-11-20T09:15:02.116552',
        { ref: 'orders', sourceKey: 'unified_service:order:PT202511190001' },
      ],
      [
        'unified_service:fill:WIPRO:buy:2025-11-21T10:05:02',
        { ref: 'orders', sourceKey: 'unified_service:order:PT202511210009' },
      ],
      ['unified_service:fill:WIPRO:buy:2025-11-22T12:00:00', undefined],
    ])
    expect(records[1]).toMatchObject({
      values: { symbol: 'TCS', side: 'sell', price: '3898.05', quantity: '25', fee: '118.1' },
      extra: { order_id: 'PT202511180007', order_value: expect.anything() },
    })
    expect(rejects.map((r) => r.location.path)).toEqual(['[5].price'])
    expect(duplicates.map((d) => d.location.path)).toEqual(['[6]'])
    expect(warnings).toEqual([
      '2 paper-trading transaction(s) match no order (no order_id found in orders.json, and no order of the same symbol and side within 60 s): kept as fills without an order.',
    ])
  })

  it('matches by time only within --match-tolerance', async () => {
    const dir = await fixture({ shape: 'seed' })
    const linked = await readStream(open(dir), 'transactions')
    expect(linked.records.map((r) => r.values.order_id)).toEqual([
      { ref: 'orders', sourceKey: 'unified_service:order:paper_001' },
      { ref: 'orders', sourceKey: 'unified_service:order:paper_002' },
    ])
    const warnings: string[] = []
    const strict = await readStream(open(dir, context(warnings), { matchTolerance: 0.75 }), 'transactions')
    expect(strict.records.map((r) => r.values.order_id)).toEqual([
      { ref: 'orders', sourceKey: 'unified_service:order:paper_001' },
      undefined,
    ])
    expect(warnings.at(-1)).toMatch(/^1 paper-trading transaction\(s\) match no order .* within 0\.75 s/)
  })

  it('maps account.json to a balance: free cash, margin used, and their sum', async () => {
    const { records } = await readStream(open(await fixture({ shape: 'bot' })), 'account')
    expect(records).toEqual([
      {
        entity: 'balances',
        sourceKey: 'unified_service:balance:INR',
        location: { file: expect.stringMatching(/paper_trading\/unified_service\/account\.json$/) },
        values: {
          currency: 'INR',
          total: '877584.69',
          free: '877584.69',
          used: '0.0',
          as_of: '2025-11-20T15:30:04.560011',
        },
        extra: {
          initial_capital: expect.any(JsonNumber),
          total_pnl: expect.any(JsonNumber),
          realized_pnl: expect.any(JsonNumber),
          unrealized_pnl: expect.any(JsonNumber),
          created_at: '2025-11-17T08:55:43.141949',
        },
      },
    ])
  })

  it('maps each per-user folder to its user, unless --user-id is given', async () => {
    const dir = await fixture({ shape: 'bot', ugly: true, layout: 'per-user' })
    const src = open(dir)
    const users = await readStream(src, 'users')
    expect(users.records.map((r) => [r.sourceKey, r.values])).toEqual([
      ['user:test', { external_id: 'test', name: 'test' }],
      ['user:1', { external_id: '1', name: 'user_1' }],
      ['user:2', { external_id: '2', name: 'user_2' }],
    ])
    expect(users.records[1]!.extra).toMatchObject({ config: { storage_path: 'paper_trading/user_1' } })
    const orders = await readStream(src, 'orders')
    expect(new Set(orders.records.map((r) => JSON.stringify(r.values.user_id)))).toEqual(
      new Set([
        JSON.stringify({ ref: 'users', sourceKey: 'user:1' }),
        JSON.stringify({ ref: 'users', sourceKey: 'user:2' }),
      ]),
    )
    expect(orders.records.filter((r) => r.sourceKey.startsWith('user_2:')).map((r) => r.sourceKey)).toEqual([
      'user_2:order:paper_001',
      'user_2:order:paper_002',
    ])
    const accounts = await readStream(src, 'account')
    expect(accounts.records.map((r) => [r.sourceKey, r.values.user_id])).toEqual([
      ['test:balance:INR', { ref: 'users', sourceKey: 'user:test' }],
      ['user_1:balance:INR', { ref: 'users', sourceKey: 'user:1' }],
    ])

    const streams = await src.discover()
    expect(await Promise.all(streams.map((s) => src.count!(s)))).toEqual([3, 13, 6, 9, 2])

    const withUser = open(dir, context([], { userId: '42' }))
    expect((await withUser.discover()).map((s) => s.name)).toEqual([
      'orders',
      'holdings',
      'transactions',
      'account',
    ])
    const own = await readStream(withUser, 'orders')
    expect(own.records.every((r) => r.values.user_id === undefined)).toBe(true)
    for (const record of own.records) expect(normalizeRecord(record, { timeZone: 'UTC' }).issues).toEqual([])
  })

  it('says what is missing: the folder, the files, a stream with no file', async () => {
    await expect(open('/nonexistent/paper').discover()).rejects.toThrow(
      /^--dir nonexistent\/paper: no such folder\. Pass the paper-trading folder/,
    )
    const tmp = await createTempDir()
    dirs.push(tmp)
    await expect(open(tmp.path).discover()).rejects.toThrow(/^No paper-trading files \(orders\.json/)
    const warnings: string[] = []
    await writeJsonFile(join(tmp.path, 'solo', 'orders.json'), [])
    expect((await open(join(tmp.path, 'solo'), context(warnings)).discover()).map((s) => s.name)).toEqual([
      'orders',
    ])
    expect(warnings).toHaveLength(3)
    expect(warnings[0]).toMatch(/^No holdings\.json in .*solo: stream holdings is skipped\.$/)
  })

  it('fails the stream of a truncated file; transactions link to the orders read before the cut', async () => {
    const tmp = await createTempDir()
    dirs.push(tmp)
    const dir = await writePaperTrading(tmp.path, { shape: 'bot' })
    await truncateFile(join(dir, 'orders.json'), 1200)
    const warnings: string[] = []
    const src = open(dir, context(warnings))
    await expect(readStream(src, 'orders')).rejects.toThrow(
      /orders\.json is not valid JSON after \[1\] \(.*\): the file is truncated or corrupt/,
    )
    const transactions = await readStream(src, 'transactions')
    expect(transactions.records.map((r) => r.values.order_id)).toEqual([
      undefined,
      undefined,
      { ref: 'orders', sourceKey: 'unified_service:order:PT202511190001' },
    ])
    expect(warnings[0]).toMatch(
      /orders\.json is not valid JSON .* Transactions of unified_service are linked only to the 2 order\(s\) read before that point\.$/,
    )
  })

  it('rejects a record nested 20,000 deep in every file, naming it and the depth limit, and reads on', async () => {
    const tmp = await createTempDir()
    dirs.push(tmp)
    const dir = join(tmp.path, 'user_7')
    await mkdir(dir)
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`
    const order = (id: string) =>
      `{"order_id":"${id}","symbol":"SBIN-EQ","transaction_type":"BUY","quantity":10,"status":"COMPLETE","placed_at":"2025-11-19T09:15:00"}`
    // Written as text: JSON.stringify itself overflows the stack on such a value.
    await writeFile(join(dir, 'orders.json'), `[${order('A')},{"order_id":"B","legs":${deep}},${order('C')}]`)
    await writeFile(
      join(dir, 'holdings.json'),
      `{"TCS":{"quantity":1,"notes":${deep}},"INFY":{"quantity":2}}`,
    )
    await writeFile(
      join(dir, 'transactions.json'),
      `[{"order_id":"A","tags":${deep}},{"order_id":"C","symbol":"SBIN","transaction_type":"BUY","quantity":10,"price":612.4,"timestamp":"2025-11-19T09:15:01"}]`,
    )
    await writeFile(join(dir, 'account.json'), `{"available_cash":1000,"history":${deep}}`)
    await writeFile(join(dir, 'config.json'), `{"mode":"paper","rules":${deep}}`)
    const warnings: string[] = []
    const src = open(dir, context(warnings))
    const limit = `nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects, the most ledgerport reads (MAX_JSON_DEPTH), so it was not read; flatten or remove it and run again`
    const orders = await readStream(src, 'orders')
    expect(orders.rejects.map((r) => [r.entity, r.location.path, r.reason])).toEqual([
      ['orders', '[1]', `[1]: ${limit}`],
    ])
    expect(orders.records.map((r) => r.sourceKey)).toEqual(['user_7:order:A', 'user_7:order:C'])
    const holdings = await readStream(src, 'holdings')
    expect(holdings.rejects.map((r) => [r.location.path, r.reason])).toEqual([['TCS', `TCS: ${limit}`]])
    expect(holdings.records.map((r) => r.sourceKey)).toEqual(['user_7:position:INFY'])
    const transactions = await readStream(src, 'transactions')
    expect(transactions.rejects.map((r) => [r.location.path, r.reason])).toEqual([['[0]', `[0]: ${limit}`]])
    expect(transactions.records.map((r) => r.values.order_id)).toEqual([
      { ref: 'orders', sourceKey: 'user_7:order:C' },
    ])
    const account = await readStream(src, 'account')
    expect(account.rejects.map((r) => [r.entity, r.location, r.reason])).toEqual([
      [
        'balances',
        { file: expect.stringMatching(/user_7\/account\.json$/), path: 'history' },
        `history: ${limit}`,
      ],
    ])
    const users = await readStream(src, 'users')
    expect(users.records[0]!.extra).toMatchObject({ config: { mode: 'paper' } })
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `user_7/config\\.json: setting rules is nested deeper than ${MAX_JSON_DEPTH} levels .*; it is left out\\.$`,
        ),
      ),
    ])
  })
})
