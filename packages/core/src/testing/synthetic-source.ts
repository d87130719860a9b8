import type { CanonicalRecord, EntityRef } from '../model/canonical-record.js'
import type { EntityName } from '../model/entities.js'
import type {
  Checkpoint,
  Source,
  SourceBatch,
  SourcePlugin,
  StreamDescriptor,
} from '../plugin/source-plugin.js'

/** Options of the synthetic source. */
export interface SyntheticSourceOptions {
  /** Round trips to generate (each with orders, fills, a signal, a protective order). Default is `1000`. */
  readonly trades: number
  /** PRNG seed: the same seed gives the same records. Default is `1`. */
  readonly seed: number
  /** Records per batch. Default is the run's batch size. */
  readonly batchSize?: number
  /** Changes the content of every `changeEvery`-th round trip (for update and sync tests). Default is none. */
  readonly changeEvery?: number
  /** Emits `rejectEvery`-th round trip with an invalid price (for reject tests). Default is none. */
  readonly rejectEvery?: number
  /** Only records of this table (e.g. `orders` for the bench), from the `trading` stream only. Default is all. */
  readonly only?: EntityName
  /**
   * Waits this many ms before each `trading` batch after the first: a slow source, so that tests of
   * two processes or of signals hold a run open without generating (and writing) many records.
   * Default is none.
   */
  readonly pauseMs?: number
}

const STREAMS: ReadonlyArray<StreamDescriptor> = [
  {
    name: 'accounts',
    entities: ['users', 'bots', 'strategies', 'trading_sessions', 'balances', 'portfolio_snapshots'],
    location: 'synthetic',
  },
  {
    name: 'trading',
    entities: [
      'signals',
      'round_trips',
      'orders',
      'fills',
      'positions',
      'protective_orders',
      'exchange_executions',
    ],
    location: 'synthetic',
  },
]

const USERS = 5
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'RELIANCE', 'TCS', 'INFY']

/**
 * A seeded source of realistic canonical records of every table, for engine tests, conformance
 * suites and the bench. Stream `accounts` holds users, bots, strategies, sessions, balances and
 * snapshots; stream `trading` holds, per round trip, its signal, entry and exit orders and fills, a
 * protective order, a position and an exchange execution. Decimals have up to 20 significant digits.
 */
export function createSyntheticSource(
  options: Partial<SyntheticSourceOptions> = {},
  batchSize = 5_000,
): Source {
  const settings: SyntheticSourceOptions = { trades: 1_000, seed: 1, ...options }
  const size = settings.batchSize ?? batchSize
  return {
    discover: async () =>
      settings.only
        ? STREAMS.filter((s) => s.name === 'trading').map((s) => ({ ...s, entities: [settings.only!] }))
        : STREAMS,
    count: async (stream) => (stream.name === 'accounts' ? USERS * 6 : settings.trades),
    read: (stream: StreamDescriptor, from?: Checkpoint) =>
      stream.name === 'accounts' ? readAccounts(settings, from) : readTrading(settings, size, from),
    close: async () => {},
  }
}

/** The synthetic source as a plugin (`--from synthetic`), for the CLI's demo and bench. */
export const syntheticSource: SourcePlugin<
  Pick<SyntheticSourceOptions, 'trades' | 'seed' | 'only' | 'pauseMs'>
> = {
  name: 'synthetic',
  summary: 'Seeded synthetic trading records of every canonical table (tests, demos, bench)',
  options: {
    trades: { type: 'number', description: 'round trips to generate', default: 1000 },
    seed: { type: 'number', description: 'PRNG seed', default: 1 },
    only: { type: 'string', description: 'only records of this table (e.g. orders)' },
    pauseMs: {
      type: 'number',
      description: 'pause before each trading batch after the first, in ms (a slow source)',
    },
  },
  create: (options, context) => createSyntheticSource(options, context.batchSize),
}

async function* readAccounts(
  settings: SyntheticSourceOptions,
  from?: Checkpoint,
): AsyncGenerator<SourceBatch> {
  const start = typeof from === 'object' && from !== null && 'next' in from ? Number(from.next) : 0
  const records: CanonicalRecord[] = []
  for (let u = start; u < USERS; u++) {
    const random = prng(settings.seed * 7919 + u)
    const user = ref('users', `user:${u}`)
    records.push(
      {
        entity: 'users',
        sourceKey: `user:${u}`,
        values: {
          external_id: String(u + 1),
          email: `trader${u}@example.com`,
          name: `Trader ${u}`,
          role: 'trader',
          paper_balance: decimal(random, 7, 2),
        },
        location: { table: 'users', key: `id=${u}` },
      },
      {
        entity: 'bots',
        sourceKey: `bot:${u}`,
        values: {
          instance_id: `bot-${u}`,
          user_id: user,
          name: `Bot ${u}`,
          exchange: 'bybit',
          strategy: 'SampleStrategy',
          dry_run: u % 2 === 0,
          status: 'running',
          config: { stake_currency: 'USDT', max_open_trades: 3 + u },
        },
      },
      {
        entity: 'strategies',
        sourceKey: `strategy:${u}`,
        values: { user_id: user, name: `Strategy${u}`, version: '1.0', timeframe: '5m', config: { rsi: 14 } },
      },
      {
        entity: 'trading_sessions',
        sourceKey: `session:${u}`,
        values: {
          user_id: user,
          bot_id: ref('bots', `bot:${u}`),
          name: `Session ${u}`,
          status: 'active',
          starting_balance: decimal(random, 6, 2),
          started_at: '2026-01-01T00:00:00Z',
        },
      },
      {
        entity: 'balances',
        sourceKey: `balance:${u}`,
        values: {
          user_id: user,
          bot_id: ref('bots', `bot:${u}`),
          exchange: 'bybit',
          currency: 'USDT',
          total: decimal(random, 6, 8),
          free: decimal(random, 5, 8),
          used: decimal(random, 4, 8),
          as_of: '2026-02-01T00:00:00Z',
        },
      },
      {
        entity: 'portfolio_snapshots',
        sourceKey: `snapshot:${u}`,
        values: {
          user_id: user,
          currency: 'USDT',
          total_value: decimal(random, 7, 8),
          cash: decimal(random, 6, 8),
          taken_at: '2026-02-01T00:00:00.123456Z',
        },
        extra: { note: 'synthetic' },
      },
    )
  }
  if (records.length) yield { records, checkpoint: { next: USERS } }
}

async function* readTrading(
  settings: SyntheticSourceOptions,
  size: number,
  from?: Checkpoint,
): AsyncGenerator<SourceBatch> {
  let index = typeof from === 'object' && from !== null && 'next' in from ? Number(from.next) : 0
  let records: CanonicalRecord[] = []
  const flush = (): SourceBatch => {
    const batch = { records, checkpoint: { next: index } }
    records = []
    return batch
  }
  while (index < settings.trades) {
    const trade = tradeRecords(settings, index)
    records.push(...(settings.only ? trade.filter((record) => record.entity === settings.only) : trade))
    index++
    if (records.length >= size) {
      yield flush()
      if (settings.pauseMs) await new Promise((resolve) => setTimeout(resolve, settings.pauseMs))
    }
  }
  if (records.length) yield flush()
}

function tradeRecords(settings: SyntheticSourceOptions, i: number): CanonicalRecord[] {
  const random = prng(settings.seed * 104729 + i)
  const u = i % USERS
  const user = ref('users', `user:${u}`)
  const bot = ref('bots', `bot:${u}`)
  const symbol = SYMBOLS[i % SYMBOLS.length]!
  const closed = i % 3 !== 0
  const changed = settings.changeEvery !== undefined && i % settings.changeEvery === 0
  const quantity = decimal(random, 3, 8)
  const openRate =
    settings.rejectEvery !== undefined && i % settings.rejectEvery === 0
      ? 'not-a-price'
      : decimal(random, 5, 12)
  const closeRate = decimal(random, 5, 12)
  const opened = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString()
  const closedAt = new Date(Date.UTC(2026, 0, 1) + i * 60_000 + 3_600_000).toISOString()
  const trip = `trade:${i}`
  const location = { table: 'trades', key: `id=${i}` }
  const records: CanonicalRecord[] = [
    {
      entity: 'signals',
      sourceKey: `signal:${i}`,
      values: {
        user_id: user,
        bot_id: bot,
        symbol,
        side: 'buy',
        signal_type: 'entry',
        confidence: decimal(random, 1, 4),
        model_name: 'xgb-v2',
        indicators: { rsi: decimal(random, 2, 2) },
        created_at: opened,
      },
      location,
    },
    {
      entity: 'round_trips',
      sourceKey: trip,
      values: {
        user_id: user,
        bot_id: bot,
        exchange: 'bybit',
        symbol,
        raw_symbol: symbol,
        direction: i % 4 === 0 ? 'short' : 'long',
        status: closed ? 'closed' : 'open',
        source_status: closed ? 'CLOSE' : 'OPEN',
        entry_order_id: ref('orders', `order:${i}:entry`),
        exit_order_id: closed ? ref('orders', `order:${i}:exit`) : null,
        signal_id: ref('signals', `signal:${i}`),
        session_id: ref('trading_sessions', `session:${u}`),
        quantity,
        open_rate: openRate,
        close_rate: closed ? closeRate : null,
        stake_amount: decimal(random, 4, 8),
        leverage: '10',
        fee_open: '0.001',
        fee_close: closed ? '0.001' : null,
        profit_abs: closed ? decimal(random, 3, 8, true) : null,
        strategy: 'SampleStrategy',
        timeframe: '5m',
        exit_reason: closed ? (changed ? 'stop_loss' : 'roi') : null,
        opened_at: opened,
        closed_at: closed ? closedAt : null,
      },
      extra: { v2_trade_id: i, ml_data: { score: decimal(random, 1, 6) } },
      location,
    },
    {
      entity: 'orders',
      sourceKey: `order:${i}:entry`,
      location,
      values: {
        user_id: user,
        bot_id: bot,
        round_trip_id: ref('round_trips', trip),
        exchange: 'bybit',
        symbol,
        side: 'buy',
        order_type: 'limit',
        status: 'filled',
        source_status: 'Filled',
        quantity,
        filled_quantity: quantity,
        price: openRate,
        avg_price: openRate,
        exchange_order_id: `ex-${i}-e`,
        placed_at: opened,
        filled_at: opened,
      },
    },
    {
      entity: 'fills',
      sourceKey: `fill:${i}:entry`,
      location,
      values: {
        order_id: ref('orders', `order:${i}:entry`),
        user_id: user,
        exchange: 'bybit',
        symbol,
        side: 'buy',
        price: openRate,
        quantity,
        fee: '0.00012',
        fee_currency: 'USDT',
        is_maker: true,
        executed_at: opened,
      },
    },
    {
      entity: 'protective_orders',
      sourceKey: `sltp:${i}`,
      location,
      values: {
        round_trip_id: ref('round_trips', trip),
        user_id: user,
        symbol,
        kind: 'stop_loss',
        status: 'active',
        trigger_price: decimal(random, 5, 12),
        quantity,
        created_at: opened,
      },
    },
    {
      entity: 'exchange_executions',
      sourceKey: `exec:${i}`,
      location,
      values: {
        user_id: user,
        exchange: 'bybit',
        symbol,
        side: 'buy',
        exchange_order_id: `ex-${i}-e`,
        exchange_execution_id: `exe-${i}`,
        price: openRate,
        quantity,
        executed_at: opened,
      },
    },
    {
      entity: 'positions',
      sourceKey: `position:${i}`,
      location,
      values: {
        user_id: user,
        bot_id: bot,
        exchange: 'bybit',
        symbol,
        side: 'buy',
        quantity,
        avg_price: openRate,
        status: closed ? 'closed' : 'open',
        opened_at: opened,
        closed_at: closed ? closedAt : null,
      },
    },
  ]
  if (closed) {
    records.push(
      {
        entity: 'orders',
        sourceKey: `order:${i}:exit`,
        location,
        values: {
          user_id: user,
          bot_id: bot,
          round_trip_id: ref('round_trips', trip),
          exchange: 'bybit',
          symbol,
          side: 'sell',
          order_type: 'market',
          status: 'filled',
          source_status: 'Filled',
          quantity,
          filled_quantity: quantity,
          price: closeRate,
          avg_price: closeRate,
          placed_at: closedAt,
          filled_at: closedAt,
        },
      },
      {
        entity: 'fills',
        sourceKey: `fill:${i}:exit`,
        location,
        values: {
          order_id: ref('orders', `order:${i}:exit`),
          user_id: user,
          exchange: 'bybit',
          symbol,
          side: 'sell',
          price: closeRate,
          quantity,
          fee: '0.00013',
          realized_pnl: decimal(random, 3, 8, true),
          executed_at: closedAt,
        },
      },
    )
  }
  return records
}

function ref(entity: EntityRef['ref'], sourceKey: string): EntityRef {
  return { ref: entity, sourceKey }
}

/** A random positive (or signed) decimal with up to `intDigits` integer and `scale` fraction digits. */
function decimal(random: () => number, intDigits: number, scale: number, signed = false): string {
  let integer = String(Math.floor(random() * 10 ** intDigits))
  let fraction = ''
  for (let d = 0; d < scale; d++) fraction += Math.floor(random() * 10)
  if (integer === '0' && /^0*$/.test(fraction)) integer = '1'
  const sign = signed && random() < 0.3 ? '-' : ''
  return scale ? `${sign}${integer}.${fraction}` : `${sign}${integer}`
}

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
