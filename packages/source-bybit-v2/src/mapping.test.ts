import { join } from 'node:path'
import {
  type CanonicalRecord,
  type Duplicate,
  normalizeRecord,
  type Reject,
  type Source,
  toInstant,
} from '@ledgerport/core'
import { MAX_JSON_DEPTH } from '@ledgerport/source-kit'
import {
  type BybitV2PostgresFixture,
  createBybitV2Postgres,
  createBybitV2Sqlite,
  createTempDir,
} from '@ledgerport/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { source } from './bybit-v2-source.js'
import { millisecondsBetween } from './map-signal.js'

interface Collected {
  readonly records: Map<string, CanonicalRecord>
  readonly rejects: Reject[]
  readonly duplicates: Duplicate[]
  readonly warnings: string[]
}

/** Every record of the source, by `entity key`, plus rejects, duplicates and warnings. */
async function collect(options: { sourceUrl: string; sourceSchema?: string }): Promise<Collected> {
  const warnings: string[] = []
  const s = (await source.create(options, {
    timezone: 'UTC',
    batchSize: 50,
    cwd: process.cwd(),
    warn: (message) => warnings.push(message),
  })) as Source
  const records = new Map<string, CanonicalRecord>()
  const rejects: Reject[] = []
  const duplicates: Duplicate[] = []
  try {
    for (const stream of await s.discover()) {
      for await (const batch of s.read(stream)) {
        for (const record of batch.records) records.set(`${record.entity} ${record.sourceKey}`, record)
        rejects.push(...(batch.rejects ?? []))
        duplicates.push(...(batch.duplicates ?? []))
      }
    }
  } finally {
    await s.close()
  }
  return { records, rejects, duplicates, warnings }
}

function countByEntity(records: Map<string, CanonicalRecord>): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const record of records.values()) counts[record.entity] = (counts[record.entity] ?? 0) + 1
  return counts
}

const dir = await createTempDir('bybit-v2-mapping-')
const file = join(dir.path, 'v2.db')
createBybitV2Sqlite(file, { trades: 0 })
afterAll(() => dir.cleanup())

describe('bybit-v2 mapping (the reference sample and the ugly rows, SQLite)', () => {
  let data: Collected
  const get = (entity: string, key: string): CanonicalRecord => {
    const record = data.records.get(`${entity} ${key}`)
    if (!record) throw new Error(`no ${entity} ${key}`)
    return record
  }
  const has = (entity: string, key: string) => data.records.has(`${entity} ${key}`)
  beforeAll(async () => {
    data = await collect({ sourceUrl: `sqlite:${file}` })
  })

  it('gives the expected rows per table', () => {
    expect(countByEntity(data.records)).toEqual({
      trading_sessions: 3,
      signals: 7,
      // 10 trades: their round trips, their 7 orders the `orders` table lacks, their 9 fills.
      round_trips: 10,
      orders: 12 + 7,
      fills: 9,
      // sltp rows 1, 2, 3 and 6 have both legs; 4 a stop loss only; 5 a take profit only.
      protective_orders: 10,
      exchange_executions: 6,
    })
    expect(data.duplicates).toEqual([])
  })

  it('maps a closed trade to a round trip linking its v2 orders, and its entry and exit fills', () => {
    const roundTrip = get('round_trips', 'trade:1')
    expect(roundTrip.values).toEqual({
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      raw_symbol: 'BTCUSDT',
      direction: 'long',
      status: 'closed',
      source_status: 'CLOSE',
      entry_order_id: { ref: 'orders', sourceKey: 'order:1' },
      exit_order_id: { ref: 'orders', sourceKey: 'order:3' },
      signal_id: { ref: 'signals', sourceKey: 'signal:1' },
      session_id: { ref: 'trading_sessions', sourceKey: 'session:sess-20250301-0800-7f3a' },
      quantity: '0.004',
      open_rate: '86262.3',
      close_rate: '87125',
      leverage: '10',
      profit_abs: '3.19',
      stop_loss: '85400',
      take_profit: '87125',
      strategy: 'lgbm_v7',
      opened_at: '2025-03-01T09:15:00.731Z',
      closed_at: '2025-03-01T10:42:17.005Z',
    })
    expect(roundTrip.extra).toEqual({
      v2_trade_id: 1,
      order_id: '1f0b3c51-6d8e-4c0e-9a7d-3f5f8a2e9b11',
      order_link_id: 'v2-1-1740820500',
      close_order_id: 'a9d2e6f0-41c7-4c3b-b0a5-7e2c9f1d5a30',
      fee: '0.2595',
      model_score: '0.72',
      profit_probability: '0.64',
      loss_probability: '0.36',
      confidence: '0.81',
      signal_id: 1,
      session_id: 'sess-20250301-0800-7f3a',
      user_id: 1,
      ml_data: { features: { rsi: 31.2 }, threshold: 0.6 },
    })
    expect(roundTrip.location).toEqual({ file, table: 'trades', key: 'id=1' })
    // Its orders are the v2 `orders` rows, so the trade makes none of its own.
    expect(has('orders', 'trade:1:entry')).toBe(false)
    expect(has('orders', 'trade:1:exit')).toBe(false)
    expect(get('fills', 'trade:1:entry-fill').values).toEqual({
      order_id: { ref: 'orders', sourceKey: 'order:1' },
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      side: 'buy',
      price: '86262.3',
      quantity: '0.004',
      executed_at: '2025-03-01T09:15:00.731Z',
    })
    expect(get('fills', 'trade:1:exit-fill').values).toEqual({
      order_id: { ref: 'orders', sourceKey: 'order:3' },
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      side: 'sell',
      price: '87125',
      quantity: '0.004',
      realized_pnl: '3.19',
      executed_at: '2025-03-01T10:42:17.005Z',
    })
  })

  it('maps statuses OPEN, CLOSE, CANCELED (any casing) and anything else as failed, keeping the raw one', () => {
    const statuses = [...data.records.values()]
      .filter((r) => r.entity === 'round_trips')
      .map((r) => [r.sourceKey, r.values.status, r.values.source_status])
    expect(statuses).toEqual([
      ['trade:1', 'closed', 'CLOSE'],
      ['trade:2', 'open', 'OPEN'],
      ['trade:3', 'cancelled', 'CANCELED'],
      ['trade:4', 'failed', 'ERROR'],
      ['trade:5', 'closed', 'close'],
      ['trade:6', 'cancelled', 'Canceled'],
      ['trade:7', 'failed', 'CLOSED'],
      ['trade:8', 'open', 'OPEN'],
      ['trade:9', 'closed', 'CLOSE'],
      ['trade:10', 'open', 'OPEN'],
    ])
    // Opened trades (OPEN, CLOSE) have entry fills; closed ones exit fills.
    const fills = [...data.records.values()].filter((r) => r.entity === 'fills').map((r) => r.sourceKey)
    expect(fills).toEqual([
      'trade:1:entry-fill',
      'trade:1:exit-fill',
      'trade:2:entry-fill',
      'trade:5:entry-fill',
      'trade:5:exit-fill',
      'trade:8:entry-fill',
      'trade:9:entry-fill',
      'trade:9:exit-fill',
      'trade:10:entry-fill',
    ])
  })

  it('migrates trades without order_id (null, "", UNKNOWN) with an entry order that has no exchange id', () => {
    expect(get('round_trips', 'trade:4').values.entry_order_id).toEqual({
      ref: 'orders',
      sourceKey: 'trade:4:entry',
    })
    expect(get('orders', 'trade:4:entry').values).toEqual({
      round_trip_id: { ref: 'round_trips', sourceKey: 'trade:4' },
      exchange: 'bybit',
      symbol: 'XRPUSDT',
      raw_symbol: 'XRPUSDT',
      side: 'buy',
      status: 'rejected',
      source_status: 'ERROR',
      quantity: '40',
      filled_quantity: '0',
      price: null,
      avg_price: null,
      leverage: '10',
      exchange_order_id: null,
      client_order_id: 'v2-4-1740834000',
      strategy: 'lgbm_v7',
      placed_at: '2025-03-01T13:00:00.901Z',
      filled_at: null,
    })
    expect(get('orders', 'trade:6:entry').values).toMatchObject({
      status: 'cancelled',
      exchange_order_id: null,
      filled_quantity: '0',
    })
    expect(get('round_trips', 'trade:6').extra).toMatchObject({ v2_raw: { side: 'BUY', order_id: '' } })
    expect(get('orders', 'trade:8:entry').values).toMatchObject({
      status: 'filled',
      exchange_order_id: null,
      filled_quantity: '40',
      avg_price: '2.371',
    })
    expect(get('fills', 'trade:8:entry-fill').values.order_id).toEqual({
      ref: 'orders',
      sourceKey: 'trade:8:entry',
    })
    expect(get('round_trips', 'trade:8').extra).toMatchObject({
      v2_raw: { order_id: 'UNKNOWN', stop_loss: '0' },
    })
    expect(data.warnings).toContain(
      'trades: 3 rows (id=4, id=6, id=8) have no order_id (the orphaned records of the v2→v3 guide): migrated as round trips whose entry order has no exchange order id.',
    )
  })

  it('closes a CLOSE trade without closed_at or close_price at entry_price, with no time', () => {
    const roundTrip = get('round_trips', 'trade:5')
    expect(roundTrip.values).toMatchObject({
      direction: 'short',
      open_rate: '0.30000000000000004',
      close_rate: null,
      closed_at: null,
      opened_at: '2025-03-02T15:30:00.123456+05:30',
      // Signal 999 and session "sess-missing" do not exist: no link, the ids stay in extra.
      signal_id: null,
      session_id: null,
      entry_order_id: { ref: 'orders', sourceKey: 'trade:5:entry' },
      exit_order_id: { ref: 'orders', sourceKey: 'trade:5:exit' },
    })
    expect(roundTrip.extra).toEqual({
      v2_trade_id: 5,
      order_id: 'ugly-5-entry',
      signal_id: 999,
      session_id: 'sess-missing',
      user_id: 1,
      ml_data: '{"features": [1, 2',
      v2_raw: { side: 'sell', close_price: '0' },
    })
    expect(get('orders', 'trade:5:exit').values).toMatchObject({
      side: 'buy',
      status: 'filled',
      price: '0.30000000000000004',
      exchange_order_id: null,
      filled_at: null,
    })
    expect(get('fills', 'trade:5:exit-fill')).toMatchObject({
      values: { price: '0.30000000000000004', realized_pnl: '-0.05', executed_at: null, side: 'buy' },
      extra: { v2_trade_id: 5, price_from: 'entry_price' },
    })
  })

  it('treats a CLOSED status as failed: an entry order, no fills, no exit', () => {
    expect(get('round_trips', 'trade:7').values).toMatchObject({ status: 'failed', exit_order_id: null })
    expect(get('orders', 'trade:7:entry').values).toMatchObject({
      status: 'rejected',
      source_status: 'CLOSED',
      exchange_order_id: 'ugly-7-entry',
    })
    expect(has('orders', 'trade:7:exit')).toBe(false)
    expect(has('fills', 'trade:7:entry-fill')).toBe(false)
  })

  it('links a v2 exit order whose parent is an entry only the trades table knows', () => {
    expect(get('round_trips', 'trade:9').values).toMatchObject({
      entry_order_id: { ref: 'orders', sourceKey: 'trade:9:entry' },
      exit_order_id: { ref: 'orders', sourceKey: 'order:6' },
    })
    expect(get('round_trips', 'trade:9').extra).toMatchObject({
      ml_data: { score: 0.1 },
      ml_data_text: '{"score":0.1000000000000000000001}',
    })
    const exit = get('orders', 'order:6')
    expect(exit.values).toEqual({
      round_trip_id: { ref: 'round_trips', sourceKey: 'trade:9' },
      parent_order_id: { ref: 'orders', sourceKey: 'trade:9:entry' },
      exchange: 'bybit',
      symbol: 'DOGEUSDT',
      raw_symbol: 'DOGEUSDT',
      side: 'sell',
      order_type: 'limit',
      source_type: 'limit',
      status: 'filled',
      source_status: 'FILLED',
      quantity: '1000',
      filled_quantity: '1000',
      price: '0.17234567890123456',
      avg_price: '0.17234567890123456',
      stop_price: '0.1723',
      trigger_by: null,
      time_in_force: 'gtc',
      reduce_only: true,
      position_idx: 0,
      exchange_order_id: 'ugly-9-exit',
      client_order_id: null,
      placed_at: '2025-03-02T11:00:01.000Z',
      filled_at: '2025-03-02T11:30:00.000Z',
      closed_at: '2025-03-02T11:30:00.000Z',
      updated_at: '2025-03-02T11:30:00.000Z',
    })
    // Bybit's unset spellings became none; their raw spellings are kept.
    expect(exit.extra).toEqual({
      v2_order_id: 6,
      trade_id: 9,
      tp_trigger_price: '0.1723',
      is_sltp: true,
      parent_order_id: 'ugly-9-entry',
      v2_raw: {
        side: 'SELL',
        order_type: 'limit',
        time_in_force: 'gtc',
        trigger_by: 'UNKNOWN',
        sl_trigger_price: '',
        sl_order_id: '0',
        tp_order_id: '',
      },
    })
  })

  it("maps Bybit's order statuses, any casing, and rejects one it does not know", () => {
    const statuses = [...data.records.values()]
      .filter((r) => r.entity === 'orders' && r.sourceKey.startsWith('order:'))
      .map((r) => `${r.values.source_status} → ${r.values.status}`)
    expect(statuses).toEqual([
      'Filled → filled',
      'Deactivated → cancelled',
      'Filled → filled',
      'Filled → filled',
      'Cancelled → cancelled',
      'FILLED → filled',
      'partially_filled → open',
      'Untriggered → pending',
      'Rejected → rejected',
      'New → open',
      'Triggered → open',
      'PartiallyFilledCanceled → cancelled',
    ])
    expect(data.rejects).toEqual([
      {
        location: { file, table: 'orders', key: 'id=8' },
        field: 'status',
        reason:
          'orders id=8: status: "Exploded" is not a Bybit order status (Created, Untriggered, New, Active, PartiallyFilled, Triggered, Filled, Cancelled, PartiallyFilledCanceled, Deactivated, Rejected). Nothing of this row was migrated; correct the value in the v2 database and run again.',
        raw: expect.objectContaining({ id: 8, order_id: 'ugly-exploded', status: 'Exploded' }),
      },
    ])
    expect(get('orders', 'order:7').values).toMatchObject({
      status: 'open',
      quantity: '100',
      filled_quantity: '40',
      time_in_force: 'post_only',
    })
    expect(get('orders', 'order:9').values).toMatchObject({
      parent_order_id: { ref: 'orders', sourceKey: 'order:7' },
      trigger_by: 'mark_price',
      stop_price: '0.6',
    })
    expect(get('orders', 'order:10')).toMatchObject({
      values: { round_trip_id: null, parent_order_id: null, closed_at: '2025-03-02T12:20:00.100Z' },
      extra: { trade_id: 404, parent_order_id: 'nowhere' },
    })
    expect(get('orders', 'order:11')).toMatchObject({
      values: { price: null, avg_price: null, time_in_force: null },
      extra: { v2_raw: { price: '0', avg_price: '0', time_in_force: 'UNKNOWN' } },
    })
  })

  it('maps sltp_orders rows to one protective order per leg, with every column', () => {
    expect(get('protective_orders', 'sltp:1:sl').values).toEqual({
      round_trip_id: { ref: 'round_trips', sourceKey: 'trade:1' },
      order_id: { ref: 'orders', sourceKey: 'order:2' },
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      kind: 'stop_loss',
      status: 'completed',
      source_status: 'completed',
      trigger_price: '85400',
      exchange_order_id: 'd4c8e1f2-7a3b-4d9e-8c1f-2b6a0e9d3c71',
      created_at: '2025-03-01T09:15:01.040Z',
      updated_at: '2025-03-01T10:42:17.010Z',
    })
    expect(get('protective_orders', 'sltp:1:tp').values).toMatchObject({
      kind: 'take_profit',
      order_id: { ref: 'orders', sourceKey: 'order:3' },
      trigger_price: '87125',
    })
    expect(get('protective_orders', 'sltp:2:sl').extra).toEqual({
      v2_sltp_id: 2,
      trade_id: 2,
      side: 'Buy',
      stop_loss_price: '2265',
      take_profit_price: '2180',
      attempts: 2,
      sl_trigger_by: 'last_price',
      tp_trigger_by: 'last_price',
      trailing_stop: true,
      trailing_stop_price: '2262.5',
      trailing_stop_activation_price: '2200',
      trailing_callback: '0.5',
      is_breakeven: true,
      partial_close_ratio: '0.5',
      partial_close_trigger: '2190',
      original_stop_loss: '2275',
      original_take_profit: '2180',
    })
    expect(get('protective_orders', 'sltp:3:tp')).toMatchObject({
      values: { kind: 'take_profit', status: 'failed', trigger_price: null, order_id: null },
      extra: { error_message: 'retCode 10001: zero position', attempts: 3 },
    })
    expect(has('protective_orders', 'sltp:4:sl')).toBe(true)
    expect(has('protective_orders', 'sltp:4:tp')).toBe(false)
    expect(get('protective_orders', 'sltp:4:sl').extra).toMatchObject({
      extra_data: '{"note": sl only}',
      v2_raw: { take_profit_price: '0' },
    })
    expect(has('protective_orders', 'sltp:5:sl')).toBe(false)
    expect(get('protective_orders', 'sltp:5:tp')).toMatchObject({
      values: { symbol: 'ADAUSDT', trigger_price: '0.5', round_trip_id: { sourceKey: 'trade:10' } },
      extra: { v2_raw: { symbol: 'adausdt', sl_trigger_by: 'UNKNOWN' } },
    })
    expect(get('protective_orders', 'sltp:6:sl').values).toMatchObject({
      round_trip_id: null,
      status: 'failed',
      source_status: 'FAILED',
    })
  })

  it('maps signals: JSON columns, invalid JSON kept as text, processing_ms', () => {
    expect(get('signals', 'signal:1').values).toEqual({
      symbol: 'BTCUSDT',
      side: 'buy',
      signal_type: 'Buy',
      model_name: 'lgbm_v7',
      model_score: '72',
      indicators: { rsi: 31.2, macd_hist: -12.4, ema50: 86900.1 },
      ml_predictions: { up: 0.64, down: 0.36 },
      raw_data: { source: 'tv', alert: 'long_entry' },
      status: 'executed',
      source_status: 'executed',
      error_message: null,
      processing_ms: 728,
      created_at: '2025-03-01T09:14:59.812Z',
      processed_at: '2025-03-01T09:15:00.540Z',
    })
    expect(get('signals', 'signal:1').extra).toEqual({ v2_signal_id: 1, price: '86250.5', timeframe: '15' })
    expect(get('signals', 'signal:5').values.raw_data).toBe('{"source":"tv", alert: long')
    expect(get('signals', 'signal:6')).toMatchObject({
      values: {
        side: 'buy',
        signal_type: 'BUY',
        indicators: { rsi: 28.4, vol: 12345678901234567890123n, p: 0.1 },
        processing_ms: null,
      },
      extra: { indicators_text: '{"rsi":28.4,"vol":12345678901234567890123,"p":0.1000000000000000000001}' },
    })
    expect(get('signals', 'signal:7')).toMatchObject({
      values: {
        symbol: 'ADAUSDT',
        side: 'sell',
        status: 'new',
        source_status: 'New',
        indicators: null,
        raw_data: null,
        processing_ms: 1251,
        created_at: '2025-03-02 12:00:00',
      },
      extra: { v2_raw: { indicators: '', raw_data: '', symbol: 'adausdt' } },
    })
    expect(data.warnings).toContain(
      'signals.raw_data: 1 row (id=5) hold text that is not JSON; it was kept as text.',
    )
  })

  it('maps bybit_trade_history to exchange executions, with text or millisecond times', () => {
    expect(get('exchange_executions', 'history:2').values).toEqual({
      order_id: { ref: 'orders', sourceKey: 'order:3' },
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      side: 'sell',
      order_type: 'limit',
      exchange_order_id: 'a9d2e6f0-41c7-4c3b-b0a5-7e2c9f1d5a30',
      price: '87125',
      quantity: '0.004',
      fee: '0.0697',
      fee_currency: 'USDT',
      executed_at: '2025-03-01 10:42:17.005',
    })
    const instant = (key: string) =>
      toInstant(get('exchange_executions', key).values.executed_at, 'UTC').instant
    expect(instant('history:4')).toBe('2025-03-02T11:30:00Z')
    expect(get('exchange_executions', 'history:4').extra).toMatchObject({ created_time: '1740913201000' })
    expect(instant('history:5')).toBe('2025-03-02T12:00:02Z')
    expect(get('exchange_executions', 'history:5').extra).toMatchObject({
      v2_raw: {
        side: 'sell',
        order_type: 'LIMIT',
        fee_currency: '',
        stop_order_type: '',
        trigger_price: '0',
      },
    })
    // ugly-10-entry is in orders; ugly-history-only is nowhere.
    expect(get('exchange_executions', 'history:5').values.order_id).toEqual({
      ref: 'orders',
      sourceKey: 'order:7',
    })
    expect(get('exchange_executions', 'history:6').values.order_id).toBeNull()
  })

  it('maps trading sessions keyed by session_id, linked from round trips', () => {
    expect(get('trading_sessions', 'session:sess-20250302-2000-ugly')).toMatchObject({
      values: {
        name: 'sess-20250302-2000-ugly',
        status: 'error',
        source_status: 'ERROR',
        started_at: '2025-03-02 20:00:00',
      },
      extra: {
        v2_session_id: 3,
        total_pnl: '0.30000000000000004',
        win_rate: '0.16666666666666666',
        config_snapshot: { leverage: 10, huge: 123456789012345678901234567890n },
        metadata: '{host: bot-3}',
      },
    })
    expect(get('round_trips', 'trade:10').values).toMatchObject({
      symbol: 'ADAUSDT',
      raw_symbol: ' adausdt',
      session_id: { ref: 'trading_sessions', sourceKey: 'session:sess-20250302-2000-ugly' },
    })
  })

  it('says what it found worth attention, once per stream', () => {
    expect(data.warnings).toEqual([
      'trading_sessions.metadata: 1 row (id=3) hold text that is not JSON; it was kept as text.',
      'signals.raw_data: 1 row (id=5) hold text that is not JSON; it was kept as text.',
      'signals.indicators: 1 row (id=6) hold numbers with more digits than JSON readers keep; the exact text is in extra.indicators_text.',
      'trades: 1 row (id=4) have status "ERROR" (not OPEN, CLOSE or CANCELED): migrated as failed round trips.',
      'trades: 3 rows (id=4, id=6, id=8) have no order_id (the orphaned records of the v2→v3 guide): migrated as round trips whose entry order has no exchange order id.',
      'trades: 1 row (id=5) are CLOSE without closed_at: their exit fills have no time.',
      'trades: 1 row (id=5) are CLOSE without close_price: their exit fills are at entry_price.',
      'trades: 1 row (id=5) name a signal_id that is not in signals: their round trips link no signal (the id is kept in extra.signal_id).',
      'trades: 1 row (id=5) name a session_id that is not in trading_sessions: their round trips link no session (the id is kept in extra.session_id).',
      'trades.ml_data: 1 row (id=5) hold text that is not JSON; it was kept as text.',
      'trades: 1 row (id=7) have status "CLOSED" (not OPEN, CLOSE or CANCELED): migrated as failed round trips.',
      'trades.ml_data: 1 row (id=9) hold numbers with more digits than JSON readers keep; the exact text is in extra.ml_data_text.',
      'orders: 1 row (id=10) name a trade_id that is not in trades: they link no round trip (the id is kept in extra.trade_id).',
      'orders: 1 row (id=10) name a parent_order_id found in neither orders nor trades: they link no parent (the id is kept in extra.parent_order_id).',
      'sltp_orders.extra_data: 1 row (id=4) hold text that is not JSON; it was kept as text.',
      'sltp_orders: 1 row (id=6) name a trade_id that is not in trades: they link no round trip (the id is kept in extra.trade_id).',
      'bybit_trade_history: 1 row (id=6) have an order_id found in neither orders nor trades: they link no order.',
    ])
  })
})

describe('bybit-v2 mapping of bad rows', () => {
  it('rejects a row whose values cannot be read, naming the column, and keeps going', async () => {
    const bad = join(dir.path, 'bad.db')
    createBybitV2Sqlite(bad, { trades: 0 })
    const Database = (await import('better-sqlite3')).default
    const db = new Database(bad)
    db.exec(`update trades set created_at = 'yesterday', quantity = 'lots' where id = 2;
      update trades set side = 'Long' where id = 3;
      update trades set entry_price = null where id = 8;`)
    db.close()
    const data = await collect({ sourceUrl: `sqlite:${bad}` })
    expect(data.rejects.map((r) => [r.location.key, r.field, r.reason])).toEqual([
      [
        'id=2',
        'quantity',
        'trades id=2: quantity: "lots" is not a decimal number; created_at: "yesterday" is not a time (expected ISO-8601 like 2024-01-31T12:00:00Z, YYYY-MM-DD HH:MM:SS, or an epoch number). Nothing of this row was migrated; correct the value in the v2 database and run again.',
      ],
      [
        'id=3',
        'side',
        'trades id=3: side: "Long" is not Buy or Sell. Nothing of this row was migrated; correct the value in the v2 database and run again.',
      ],
      [
        'id=8',
        'entry_price',
        'trades id=8: the trade is OPEN but has no entry_price, so its entry fill was not migrated (its round trip and entry order were); set it in the v2 database and run again.',
      ],
      ['id=8', 'status', expect.stringContaining('"Exploded" is not a Bybit order status')],
    ])
    expect(data.records.has('round_trips trade:2')).toBe(false)
    expect(data.records.has('round_trips trade:8')).toBe(true)
    expect(data.records.has('fills trade:8:entry-fill')).toBe(false)
    expect(data.records.has('orders trade:8:entry')).toBe(true)
  })

  it('rejects a row whose JSON column is nested 20,000 deep, naming it and the limit, and keeps going', async () => {
    const hostile = join(dir.path, 'hostile.db')
    createBybitV2Sqlite(hostile, { trades: 0 })
    const Database = (await import('better-sqlite3')).default
    const db = new Database(hostile)
    const deep = `{"levels":${'['.repeat(20_000)}1${']'.repeat(20_000)}}`
    db.prepare('update signals set raw_data = ? where id = 2').run(deep)
    db.prepare('update trades set ml_data = ? where id = 3').run(deep)
    db.close()
    const data = await collect({ sourceUrl: `sqlite:${hostile}` })
    const limit = `JSON nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects, the most ledgerport reads (MAX_JSON_DEPTH); level ${MAX_JSON_DEPTH + 1} opens at position ${MAX_JSON_DEPTH + 9}`
    expect(
      data.rejects
        .filter((r) => r.reason.includes('nested deeper'))
        .map((r) => [r.location, r.field, r.reason]),
    ).toEqual([
      [
        { file: hostile, table: 'signals', key: 'id=2' },
        'raw_data',
        `signals id=2: raw_data: holds ${limit}. Nothing of this row was migrated; correct the value in the v2 database and run again.`,
      ],
      [
        { file: hostile, table: 'trades', key: 'id=3' },
        'ml_data',
        `trades id=3: ml_data: holds ${limit}. Nothing of this row was migrated; correct the value in the v2 database and run again.`,
      ],
    ])
    expect(data.records.has('signals signal:2')).toBe(false)
    expect(data.records.has('round_trips trade:3')).toBe(false)
    expect(countByEntity(data.records)).toMatchObject({ signals: 6, trading_sessions: 3 })
    expect(data.records.has('round_trips trade:4')).toBe(true)
  })

  it('skips a later bybit_trade_history row with the same Bybit order id as a duplicate', async () => {
    const duplicated = join(dir.path, 'duplicated.db')
    createBybitV2Sqlite(duplicated, { trades: 0, duplicateHistory: true })
    const data = await collect({ sourceUrl: `sqlite:${duplicated}` })
    expect(data.duplicates).toEqual([
      {
        location: { file: duplicated, table: 'bybit_trade_history', key: 'id=7' },
        reason:
          'bybit_trade_history id=7 has the same Bybit order_id 1f0b3c51-6d8e-4c0e-9a7d-3f5f8a2e9b11 as id=1, which was kept.',
      },
    ])
  })
})

describe('bybit-v2 mapping on PostgreSQL', () => {
  let fixture: BybitV2PostgresFixture
  let postgres: Collected
  let sqlite: Collected
  beforeAll(async () => {
    fixture = await createBybitV2Postgres({ trades: 0 })
    postgres = await collect({ sourceUrl: fixture.url })
    sqlite = await collect({ sourceUrl: `sqlite:${file}` })
  })
  afterAll(() => fixture?.drop())

  it('keeps NUMERIC digits, double precision as its shortest text, and real as float4 text', () => {
    const roundTrip = postgres.records.get('round_trips trade:9')!
    expect(roundTrip.values).toMatchObject({
      close_rate: '0.17234567890123456789012',
      profit_abs: '12.34567890123456789012',
      opened_at: '2025-03-02 11:00:00+00',
    })
    expect(postgres.records.get('fills trade:9:exit-fill')!.values).toMatchObject({
      price: '0.17234567890123456789012',
      realized_pnl: '12.34567890123456789012',
    })
    expect(postgres.records.get('round_trips trade:5')!.values.open_rate).toBe('0.30000000000000004')
    expect(postgres.records.get('round_trips trade:1')!.extra).toMatchObject({ profit_probability: '0.64' })
    expect(postgres.records.get('trading_sessions session:sess-20250302-2000-ugly')!.extra).toMatchObject({
      metadata: { host: 'bot-3' },
      config_snapshot: { huge: 123456789012345678901234567890n },
    })
  })

  it('reads the same v2 rows to the same canonical rows as from SQLite', () => {
    // PostgreSQL prints times with as many fraction digits as needed (`.01`), SQLite has them as the
    // bot wrote them (`.010`): the same instants, compared as such.
    const normalized = (data: Collected, key: string) => {
      const { values, extra } = normalizeRecord(data.records.get(key)!, { timeZone: 'UTC' }).record!
      const instants = Object.entries(values).map(([column, value]) =>
        typeof value === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(value)
          ? [column, new Date(value).toISOString()]
          : [column, value],
      )
      return { values: Object.fromEntries(instants), extra }
    }
    // Left out: the rows whose values differ on purpose (engine-specific ugliness), and sessions and
    // executions, whose times are naive TIMESTAMPs in the PostgreSQL fixture, kept as text in extra.
    const same = [...sqlite.records.keys()].filter(
      (key) =>
        !/trade:(5|8|9)\b|order:(6|11)$|sltp:4|exchange_executions|trading_sessions|signal:(6|7)$/.test(key),
    )
    expect(same.length).toBe(38)
    for (const key of same) expect(normalized(postgres, key), key).toEqual(normalized(sqlite, key))
    expect([...postgres.records.keys()].sort()).toEqual([...sqlite.records.keys()].sort())
  })
})

describe('millisecondsBetween', () => {
  it('gives whole milliseconds, rounding microseconds half up', () => {
    expect(millisecondsBetween('2025-03-01T09:14:59.812Z', '2025-03-01T09:15:00.540Z')).toBe(728)
    expect(millisecondsBetween('2025-03-02T12:00:00Z', '2025-03-02T12:00:01.2505Z')).toBe(1251)
    expect(millisecondsBetween('2025-03-02T12:00:01.2505Z', '2025-03-02T12:00:00Z')).toBe(-1251)
    expect(millisecondsBetween('2024-12-31T23:59:59.999999Z', '2025-01-01T00:00:00Z')).toBe(0)
  })
})
