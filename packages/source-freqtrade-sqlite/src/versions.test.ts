import { canonicalId, toDecimal } from '@ledgerport/core'
import {
  backdateFiles,
  createTempDir,
  FREQTRADE_SCHEMAS,
  type FreqtradeDatabaseFixture,
  type FreqtradeOrder,
  type FreqtradeSchema,
  type FreqtradeTrade,
  writeFreqtradeFleet,
} from '@ledgerport/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CountedRun,
  countsByStream,
  createTarget,
  microsecondInstant,
  migrate,
  type Row,
  readRows,
  type TestTarget,
} from './test/support.js'

const SOURCE = 'freqtrade-sqlite'
const rank = (schema: FreqtradeSchema) => FREQTRADE_SCHEMAS.indexOf(schema)
const since = (schema: FreqtradeSchema, first: FreqtradeSchema) => rank(schema) >= rank(first)
const dec = (value: number | string | null) => (value === null ? null : toDecimal(value))
const utc = (text: string | null) => (text === null ? null : microsecondInstant(`${text.replace(' ', 'T')}Z`))
const ref = (entity: string, key: string) => canonicalId(entity, SOURCE, key)
const RENAMED: Record<string, string> = {
  sell_signal: 'exit_signal',
  force_sell: 'force_exit',
  emergency_sell: 'emergency_exit',
  custom_sell: 'custom_exit',
}

/** What a generated trade must become, computed from the fixture's own description of it. */
function expectedRoundTrip(
  bot: string,
  schema: FreqtradeSchema,
  t: FreqtradeTrade,
  orders: ReadonlyArray<FreqtradeOrder>,
): Row {
  const legacy = /^([A-Z0-9]+)_([A-Z0-9]+)$/.exec(t.pair)
  const entrySide = t.isShort ? 'sell' : 'buy'
  const own = orders.filter((o) => o.ftTradeId === t.id)
  const entry = own.find((o) => o.ftOrderSide === entrySide)
  const exit = own.filter((o) => o.ftOrderSide !== entrySide && (o.filled ?? 0) > 0).at(-1)
  const timeframe =
    typeof t.timeframe === 'number' ? (t.timeframe === 60 ? '1h' : `${t.timeframe}m`) : t.timeframe
  return {
    bot_id: ref('bots', `bot:${bot}`),
    exchange: t.exchange.toLowerCase(),
    symbol: legacy ? `${legacy[2]}/${legacy[1]}` : t.pair,
    raw_symbol: t.pair,
    direction: t.isShort ? 'short' : 'long',
    status: t.isOpen ? 'open' : 'closed',
    source_status: t.isOpen ? 'is_open=1' : 'is_open=0',
    entry_order_id: entry ? ref('orders', `${bot}:order:${entry.id}`) : null,
    exit_order_id: !t.isOpen && exit ? ref('orders', `${bot}:order:${exit.id}`) : null,
    quantity: dec(t.amount),
    open_rate: dec(t.openRate),
    close_rate: dec(t.closeRate),
    stake_amount: dec(t.stakeAmount),
    leverage: since(schema, '2022.4') ? dec(t.leverage) : null,
    fee_open: dec(t.feeOpen),
    fee_close: dec(t.feeClose),
    profit_abs: schema === '0.16' ? null : dec(t.closeProfitAbs),
    profit_ratio: dec(t.closeProfit),
    stop_loss: schema === '0.16' ? null : dec(t.stopLoss),
    strategy: schema === '0.16' ? null : t.strategy,
    timeframe,
    enter_tag: since(schema, '2021.12') ? t.enterTag : null,
    exit_reason: schema === '0.16' || t.exitReason === null ? null : (RENAMED[t.exitReason] ?? t.exitReason),
    opened_at: utc(t.openDate),
    closed_at: utc(t.closeDate),
  }
}

const ORDER_STATUS: Record<string, string> = {
  open: 'open',
  closed: 'filled',
  canceled: 'cancelled',
  cancelled: 'cancelled',
  expired: 'expired',
}

function expectedOrder(
  bot: string,
  schema: FreqtradeSchema,
  o: FreqtradeOrder,
  trades: ReadonlyArray<FreqtradeTrade>,
): Row {
  const trade = trades.find((t) => t.id === o.ftTradeId)
  const side = o.side ?? (o.ftOrderSide === 'stoploss' ? (trade?.isShort ? 'buy' : 'sell') : o.ftOrderSide)
  const type =
    o.orderType === 'stop_loss_limit' ? 'stop_limit' : o.orderType === 'stop_market' ? 'stop' : o.orderType
  const status = ORDER_STATUS[o.status ?? '']!
  return {
    bot_id: ref('bots', `bot:${bot}`),
    round_trip_id: o.orphan ? null : ref('round_trips', `${bot}:trade:${o.ftTradeId}`),
    exchange: trade ? trade.exchange.toLowerCase() : null,
    symbol: o.ftPair,
    raw_symbol: o.ftPair,
    side,
    order_type: type,
    source_type: o.orderType,
    status,
    source_status: o.status,
    quantity: dec(o.amount),
    filled_quantity: dec(o.filled),
    price: dec(o.price),
    avg_price: since(schema, '2021.12') ? dec(o.average) : null,
    stop_price: since(schema, '2023.9') ? dec(o.stopPrice) : null,
    exchange_order_id: o.orderId,
    strategy: trade?.strategy ?? null,
    reason: since(schema, '2024.3') ? o.ftOrderTag : null,
    placed_at: utc(o.orderDate),
    filled_at: utc(o.filledDate),
    closed_at: status === 'open' ? null : utc(o.updateDate ?? o.filledDate),
    updated_at: utc(o.updateDate),
  }
}

const pick = (row: Row | undefined, keys: ReadonlyArray<string>) =>
  row === undefined ? undefined : Object.fromEntries(keys.map((k) => [k, row[k] ?? null]))

interface Fleet {
  readonly dir: { path: string; cleanup(): Promise<void> }
  readonly bots: ReadonlyArray<{ name: string; schema: FreqtradeSchema; fixture: FreqtradeDatabaseFixture }>
}

let fleet: Fleet

beforeAll(async () => {
  const dir = await createTempDir('ledgerport-ft-versions-')
  const specs = FREQTRADE_SCHEMAS.map((schema, index) => ({
    name: `bot-${schema}`,
    schema,
    seed: index + 11,
    // WAL generations keep their newest trades in the -wal, half of them without a -shm.
    ...(since(schema, '2021.12') ? { walTrades: 2, shm: index % 2 === 0 } : {}),
    dryRun: schema === '2023.9',
  }))
  const members = writeFreqtradeFleet(dir.path, specs)
  // Files written in the last second are always read again; these have settled.
  for (const member of members) backdateFiles(member.path)
  fleet = {
    dir,
    bots: members.map((m, i) => ({ name: m.name, schema: specs[i]!.schema, fixture: m.fixture! })),
  }
})
afterAll(() => fleet.dir.cleanup())

describe.each(['sqlite', 'postgres'] as const)('every Freqtrade schema generation into %s', (kind) => {
  let target: TestTarget
  let first: CountedRun
  beforeAll(async () => {
    target = await createTarget(kind)
    // UTC times whatever --timezone says; small batches on one engine, the default on the other.
    first = await migrate(
      target.target,
      { instancesDir: fleet.dir.path },
      {
        timeZone: kind === 'sqlite' ? 'Asia/Kolkata' : 'America/New_York',
        batchSize: kind === 'sqlite' ? 8 : 5000,
      },
    )
  })
  afterAll(() => target.dispose())

  it('reads every bot, rejecting only the rows that cannot be mapped', () => {
    expect(first.results.filter((r) => r.status !== 'Success')).toEqual([])
    expect(first.totals.naiveTimes).toBe(0)
    const counts = countsByStream(first)
    for (const { name, fixture } of fleet.bots) {
      const okTrades = fixture.trades.filter((t) => t.expect.ok).length
      const okOrders = fixture.orders.filter((o) => o.expect.ok)
      const fills = okOrders.filter((o) => (o.filled ?? 0) > 0).length
      expect(counts[`${name}/trades`], name).toMatchObject({
        inserted: okTrades,
        rejected: fixture.trades.length - okTrades,
      })
      expect(counts[`${name}/orders`], name).toMatchObject({
        inserted: okOrders.length + fills,
        rejected: fixture.orders.length - okOrders.length,
      })
      expect(counts[`${name}/bot`]?.inserted, name).toBe(1)
      expect(counts[`${name}/balances`]?.inserted, name).toBe(fixture.wallet.length)
    }
  })

  it('maps every trade of every generation to its round trip', async () => {
    const rows = await readRows(target.target, 'round_trips')
    const columns = Object.keys(expectedRoundTrip('x', 'current', fleet.bots[0]!.fixture.trades[0]!, []))
    for (const { name, schema, fixture } of fleet.bots) {
      for (const trade of fixture.trades.filter((t) => t.expect.ok)) {
        const row = rows.get(`${name}:trade:${trade.id}`)
        expect(pick(row, columns), `${name} trade ${trade.id}`).toEqual(
          expectedRoundTrip(name, schema, trade, fixture.orders),
        )
      }
      for (const trade of fixture.trades.filter((t) => !t.expect.ok))
        expect(rows.has(`${name}:trade:${trade.id}`)).toBe(false)
    }
  })

  it('keeps every other Freqtrade column, the renamed ones and custom data in extra', async () => {
    const rows = await readRows(target.target, 'round_trips')
    const extra = (bot: string, id: number) =>
      rows.get(`${bot}:trade:${id}`)?.extra as Record<string, unknown>
    expect(extra('bot-0.16', 1)).toMatchObject({ id: 1, fee: '0.0025' })
    expect(extra('bot-0.16', 1)).not.toHaveProperty('exchange') // stored lower-case already
    const mixedCase = fleet.bots
      .find((b) => b.name === 'bot-current')!
      .fixture.trades.find((t) => t.exchange === 'Binance')!
    expect(rows.get(`bot-current:trade:${mixedCase.id}`)).toMatchObject({
      exchange: 'binance',
      extra: { exchange: 'Binance' },
    })
    expect(extra('bot-2020.9', 1)).toHaveProperty('open_trade_price')
    expect(extra('bot-2020.9', 1)).toHaveProperty('sell_reason')
    expect(extra('bot-2020.9', 2)).not.toHaveProperty('timeframe') // the legacy text '5m' is the column's value
    expect(extra('bot-2020.9', 1)).toMatchObject({ timeframe: 5 }) // minutes, as stored
    expect(extra('bot-2021.12', 1)).toHaveProperty('buy_tag')
    expect(extra('bot-2022.4', 1)).toHaveProperty('trading_mode')
    expect(['SPOT', 'FUTURES']).toContain(extra('bot-2022.4', 1).trading_mode)
    expect(extra('bot-current', 1)).toMatchObject({ record_version: 2, precision_mode_price: 4 })
    const current = fleet.bots.find((b) => b.name === 'bot-current')!.fixture
    for (const data of current.customData.filter((d) => d.ftTradeId > 0)) {
      const row = extra('bot-current', data.ftTradeId)
      if (!row) continue // a rejected trade
      expect((row.custom_data as Record<string, unknown>)[data.key]).toMatchObject({
        type: data.type,
        value: data.value,
      })
    }
    // The ugly trade: every digit of 1.5e-7, 1e21 and 0.1 + 0.2 survives.
    const ugly = [...rows.values()].find((r) => r.raw_symbol === 'PEPE/USDT')!
    expect(pick(ugly, ['open_rate', 'quantity', 'stake_amount', 'profit_ratio'])).toEqual({
      open_rate: '0.00000015',
      quantity: '1000000000000000000000',
      stake_amount: '0.30000000000000004',
      profit_ratio: '0.7999999999999999',
    })
  })

  it('maps orders (orphans kept without a round trip) and one fill per filled order', async () => {
    const orders = await readRows(target.target, 'orders')
    const fills = await readRows(target.target, 'fills')
    const columns = Object.keys(expectedOrder('x', 'current', fleet.bots[1]!.fixture.orders[0]!, []))
    for (const { name, schema, fixture } of fleet.bots) {
      for (const order of fixture.orders.filter((o) => o.expect.ok)) {
        const key = `${name}:order:${order.id}`
        expect(pick(orders.get(key), columns), key).toEqual(
          expectedOrder(name, schema, order, fixture.trades),
        )
        const fill = fills.get(`${name}:fill:${order.id}`)
        if ((order.filled ?? 0) > 0) {
          expect(fill, key).toMatchObject({
            order_id: ref('orders', key),
            side: orders.get(key)?.side,
            quantity: dec(order.filled),
            price: dec(since(schema, '2021.12') ? (order.average ?? order.price) : order.price),
            fee: since(schema, '2022.4') ? dec(order.ftFeeBase) : null,
            executed_at: utc(order.filledDate ?? order.updateDate ?? order.orderDate),
          })
        } else expect(fill, key).toBeUndefined()
      }
    }
    expect([...orders.values()].filter((o) => o.round_trip_id === null).length).toBe(
      fleet.bots.reduce((n, b) => n + b.fixture.orders.filter((o) => o.orphan && o.expect.ok).length, 0),
    )
    expect(first.warnings.some((w) => /orders belong to no trade/.test(w))).toBe(true)
  })

  it('maps one bot per instance, its KeyValueStore values, and wallet history to balances', async () => {
    const bots = await readRows(target.target, 'bots')
    expect([...bots.keys()].sort()).toEqual(fleet.bots.map((b) => `bot:${b.name}`).sort())
    expect(bots.get('bot:bot-2023.9')).toMatchObject({
      instance_id: 'bot-2023.9',
      dry_run: true,
      exchange: 'binance',
    })
    expect(bots.get('bot:bot-0.16')).toMatchObject({ dry_run: false, exchange: 'bittrex', strategy: null })
    expect(bots.get('bot:bot-current')?.config).toMatchObject({
      key_value_store: { bot_start_time: '2026-04-20T10:00:00.000000Z', binance_migration: 1 },
      custom_data: { market_regime: { value: 'bull' } },
    })
    expect(bots.get('bot:bot-current')?.extra).toMatchObject({
      freqtrade_schema: '2026.4',
      tables_not_migrated: ['pairlocks'],
    })
    expect(bots.get('bot:bot-0.16')?.extra).toMatchObject({ freqtrade_schema: '0.14.0' })
    const balances = await readRows(target.target, 'balances')
    const wallet = fleet.bots.find((b) => b.name === 'bot-current')!.fixture.wallet
    expect(balances.size).toBe(wallet.length)
    for (const row of wallet)
      expect(balances.get(`bot-current:wallet:${row.id}`)).toMatchObject({
        currency: row.currency,
        total: dec(row.balance),
        as_of: utc(row.timestamp),
        exchange: 'binance',
      })
  })

  it('reports rejects with the file, table, key and column, and what to do', async () => {
    const rejects = await target.target.connection.db
      .selectFrom('ledgerport_rejects')
      .select(['file', 'table_name', 'record_key', 'field', 'reason'])
      .where('run_id', '=', first.runId)
      .execute()
    const expected = fleet.bots.flatMap(({ fixture }) => [
      ...fixture.trades
        .filter((t) => !t.expect.ok)
        .map((t) => [fixture.path, 'trades', `id=${t.id}`, (t.expect as { field: string }).field]),
      ...fixture.orders
        .filter((o) => !o.expect.ok)
        .map((o) => [fixture.path, 'orders', `id=${o.id}`, 'status']),
    ])
    expect(rejects.map((r) => [r.file, r.table_name, r.record_key, r.field]).sort()).toEqual(expected.sort())
    for (const reject of rejects) expect(reject.reason).toMatch(/Correct the value in the Freqtrade database/)
  })

  it('warns about what it does not migrate: tables, backups, the missing orders table', () => {
    expect(first.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/bot-0\.16 .*no orders table .*round trips only/),
        expect.stringMatching(/bot-current .*table pairlocks \(2 rows\) is not migrated/),
        expect.stringMatching(/bot-current .*backup tables .*orders_bak0, trades_bak0/),
      ]),
    )
  })

  it('writes nothing on a second run, and reads nothing on a sync of unchanged bots', async () => {
    const again = await migrate(target.target, { instancesDir: fleet.dir.path })
    expect(again.totals).toMatchObject({ inserted: 0, updated: 0, unchanged: first.totals.inserted })
    const sync = await migrate(target.target, { instancesDir: fleet.dir.path }, { sync: true })
    expect(sync.error).toBeUndefined()
    expect(sync.totals).toMatchObject({ read: 0, inserted: 0, updated: 0 })
  })
})
