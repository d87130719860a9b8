import { type CanonicalRecord, type EntityRef, mapVocabulary } from '@ledgerport/core'
import {
  decimalIdentity,
  isObject,
  JsonFieldReader,
  type JsonInput,
  type JsonItem,
  joinPath,
  jsonPath,
  type Mapped,
  percentToRatio,
  readSymbol,
  recordOf,
  SeenKeys,
  subtractDecimals,
} from '@ledgerport/source-kit'
import { brokerOrderId, brokerOrderKey, TradeOrderIds, type TradeOrderRole } from './order-keys.js'

/** `trades[].status` → `round_trips.status`. */
export const TRADE_STATUS = {
  open: 'open',
  ongoing: 'open',
  active: 'open',
  closed: 'closed',
  exited: 'closed',
  complete: 'closed',
  completed: 'closed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  failed: 'failed',
  rejected: 'failed',
} as const

/** What mapping the items of one `trades_history.json` needs. */
export interface TradesContext {
  /** The file as shown in rejects. */
  readonly file: string
  readonly timezone: string
  /** Trades seen so far, by (symbol, entry_time) and (entry_price, qty). */
  readonly trades: SeenKeys
  /** Failed orders seen so far, by key. */
  readonly failedOrders: SeenKeys
  /** Broker order ids of the trades' orders so far, and which trade has each. */
  readonly orderIds: TradeOrderIds
}

/** A fresh context for reading one `trades_history.json` from its start. */
export function tradesContext(file: string, timezone: string): TradesContext {
  return {
    file,
    timezone,
    trades: new SeenKeys(),
    failedOrders: new SeenKeys(),
    orderIds: new TradeOrderIds(),
  }
}

const ref = (entity: EntityRef['ref'], sourceKey: string): EntityRef => ({ ref: entity, sourceKey })

/**
 * One trade of `trades_history.json` → a round trip, its entry order and fill, an order and fill per
 * re-entry, and (closed) the exit order and fill. The entry and exit orders are keyed `order:BROKER_ID`
 * when the broker's order id is known (the first trade with that id only), else by the trade's key.
 * Returns a reject (naming every bad field) or a duplicate (same symbol, entry_time, entry_price and
 * qty as an earlier trade) instead when it must.
 */
export function mapTrade(context: TradesContext, item: JsonItem): Mapped {
  const path = jsonPath(item.section, item.index)
  const location = { file: context.file, path }
  const read = recordOf(context.file, path, 'round_trips', item, 'a trade')
  if ('reject' in read) return read
  const trade = read.object
  const r = new JsonFieldReader(trade, context.timezone)
  const symbol = readSymbol(r, 'symbol')
  const qty = r.decimal('qty', { required: true, positive: true, what: 'a quantity' })
  const entryPrice = r.decimal('entry_price', {
    required: true,
    positive: true,
    money: true,
    what: 'a price',
  })
  const entryTime = r.time('entry_time', { required: true, what: 'an entry_time' })
  const rawStatus = r.text('status')
  const exitIsThere = trade.exit_price != null || trade.exit_time != null
  const status = rawStatus
    ? mapVocabulary(rawStatus, TRADE_STATUS).value
    : exitIsThere
      ? ('closed' as const)
      : ('open' as const)
  if (status === null) {
    r.issue(
      'status',
      `${JSON.stringify(rawStatus)} is not a trade status (open, closed, cancelled, failed); fix it or remove the trade`,
    )
  }
  const closed = status === 'closed'
  // Exit fields are read for closed trades only; on others they stay in extra as they are.
  const exitPrice = closed
    ? r.decimal('exit_price', { required: true, positive: true, money: true, what: 'an exit price' })
    : undefined
  const exitTime = closed ? r.time('exit_time', { required: true, what: 'an exit_time' }) : undefined
  const pnl = closed ? r.decimal('pnl', { money: true, what: 'a P&L' }) : undefined
  const pnlPct = closed ? r.decimal('pnl_pct', { what: 'a percentage' }) : undefined
  const exitReason = closed ? r.text('exit_reason') : undefined
  const sellOrderId = closed
    ? (r.text('sell_order_id', { what: 'an order id' }) ?? brokerOrderId(trade.sell_order_response))
    : undefined
  const entryType = r.text('entry_type')
  const reentries = readReentries(r, trade.reentries, context.timezone)
  let entryQty = qty
  if (qty !== undefined && reentries) {
    let rest = qty
    for (const reentry of reentries) if (reentry.qty !== undefined) rest = subtractDecimals(rest, reentry.qty)
    if (rest.startsWith('-') || /^0(\.0*)?$/.test(rest)) {
      r.issue(
        'qty',
        `${qty} is the trade's total quantity, but its reentries add up to ${subtractDecimals(qty, rest)} of it, leaving nothing for the first buy; fix qty or reentries`,
      )
    }
    entryQty = rest
  }

  const reject = r.reject(context.file, path, 'round_trips', trade)
  if (reject) return { reject }

  const seen = context.trades.add(
    `${symbol!.symbol}\u0000${entryTime}`,
    `${decimalIdentity(entryPrice!)}\u0000${decimalIdentity(qty!)}`,
    item.index,
  )
  if ('duplicateOf' in seen) {
    return {
      duplicate: {
        location,
        reason: `same symbol, entry_time, entry_price and qty as ${jsonPath(item.section, seen.duplicateOf)}, which was kept`,
      },
    }
  }
  const key = `trade:${symbol!.symbol}:${entryTime}${seen.ordinal > 1 ? `:${seen.ordinal}` : ''}`
  const trip = ref('round_trips', key)
  // An order the broker numbered is keyed by that number, as in pending_orders.json: one row for both.
  const orderKey = (brokerId: string | undefined, role: TradeOrderRole, fallback: string): string =>
    brokerId !== undefined && context.orderIds.claim(brokerId, item.index, role)
      ? brokerOrderKey(brokerId)
      : fallback
  const entryOrderId = brokerOrderId(trade.order_response)
  const entryKey = orderKey(entryOrderId, 'entry', `${key}:buy`)
  const exitKey = closed ? orderKey(sellOrderId, 'exit', `${key}:sell`) : undefined
  const clean = symbol!.symbol
  const rawSymbol = symbol!.raw
  const records: CanonicalRecord[] = [
    {
      entity: 'round_trips',
      sourceKey: key,
      location,
      values: {
        symbol: clean,
        raw_symbol: rawSymbol,
        direction: 'long',
        status,
        source_status: rawStatus ?? null,
        entry_order_id: ref('orders', entryKey),
        exit_order_id: exitKey === undefined ? null : ref('orders', exitKey),
        quantity: qty,
        open_rate: entryPrice,
        close_rate: exitPrice,
        profit_abs: pnl,
        profit_ratio: pnlPct === undefined ? undefined : percentToRatio(pnlPct),
        enter_tag: entryType,
        exit_reason: exitReason,
        opened_at: entryTime,
        closed_at: exitTime,
      },
      extra: r.extra(),
    },
    {
      entity: 'orders',
      sourceKey: entryKey,
      location,
      values: {
        symbol: clean,
        raw_symbol: rawSymbol,
        round_trip_id: trip,
        side: 'buy',
        status: 'filled',
        quantity: entryQty,
        filled_quantity: entryQty,
        avg_price: entryPrice,
        exchange_order_id: entryOrderId,
        placed_at: entryTime,
        filled_at: entryTime,
      },
    },
    {
      entity: 'fills',
      sourceKey: `${key}:buy`,
      location,
      values: {
        order_id: ref('orders', entryKey),
        symbol: symbol!.symbol,
        side: 'buy',
        price: entryPrice,
        quantity: entryQty,
        executed_at: entryTime,
      },
    },
  ]
  for (const [n, reentry] of (reentries ?? []).entries()) {
    const orderKey = `${key}:reentry:${n}`
    const reentryLocation = { file: context.file, path: `${path}.reentries[${n}]` }
    records.push(
      {
        entity: 'orders',
        sourceKey: orderKey,
        location: reentryLocation,
        values: {
          symbol: clean,
          raw_symbol: rawSymbol,
          round_trip_id: trip,
          side: 'buy',
          status: 'filled',
          quantity: reentry.qty,
          filled_quantity: reentry.qty,
          avg_price: reentry.price,
          placed_at: reentry.time,
          filled_at: reentry.time,
        },
        extra: reentry.extra,
      },
      {
        entity: 'fills',
        sourceKey: orderKey,
        location: reentryLocation,
        values: {
          order_id: ref('orders', orderKey),
          symbol: symbol!.symbol,
          side: 'buy',
          price: reentry.price,
          quantity: reentry.qty,
          executed_at: reentry.time,
        },
      },
    )
  }
  if (exitKey !== undefined) {
    records.push(
      {
        entity: 'orders',
        sourceKey: exitKey,
        location,
        values: {
          symbol: clean,
          raw_symbol: rawSymbol,
          round_trip_id: trip,
          side: 'sell',
          status: 'filled',
          quantity: qty,
          filled_quantity: qty,
          avg_price: exitPrice,
          exchange_order_id: sellOrderId,
          reason: exitReason,
          placed_at: exitTime,
          filled_at: exitTime,
          closed_at: exitTime,
        },
      },
      {
        entity: 'fills',
        sourceKey: `${key}:sell`,
        location,
        values: {
          order_id: ref('orders', exitKey),
          symbol: symbol!.symbol,
          side: 'sell',
          price: exitPrice,
          quantity: qty,
          realized_pnl: pnl,
          executed_at: exitTime,
        },
      },
    )
  }
  return { records }
}

interface Reentry {
  readonly qty?: string
  readonly price?: string
  readonly time?: string
  readonly extra: Record<string, unknown>
}

function readReentries(
  r: JsonFieldReader,
  value: JsonInput | undefined,
  timezone: string,
): Reentry[] | undefined {
  r.value('reentries')
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value)) {
    r.issue('reentries', 'is not a list; write reentries as an array of {qty, price, time}')
    return undefined
  }
  return value.map((item, n) => {
    const field = `reentries[${n}]`
    if (!isObject(item)) {
      r.issue(field, 'is not an object with qty, price and time')
      return { extra: {} }
    }
    const inner = new JsonFieldReader(item, timezone)
    const qty = inner.decimal('qty', { required: true, positive: true, what: 'a quantity' })
    const price = inner.decimal('price', { required: true, positive: true, money: true, what: 'a price' })
    const time = inner.time('time', { required: true, what: 'a time' })
    for (const issue of inner.issues) r.issue(joinPath(field, issue.field), issue.reason)
    return { qty, price, time, extra: inner.extra() }
  })
}

/**
 * One item of `failed_orders` (a buy the bot could not place, e.g. for lack of cash) → an order with
 * status `rejected` and its reason. Keyed by symbol and `first_failed_at`.
 */
export function mapFailedOrder(context: TradesContext, item: JsonItem): Mapped {
  const path = jsonPath(item.section, item.index)
  const location = { file: context.file, path }
  const read = recordOf(context.file, path, 'orders', item, 'a failed order')
  if ('reject' in read) return read
  const order = read.object
  const r = new JsonFieldReader(order, context.timezone)
  const symbol = readSymbol(r, ['symbol', 'ticker'])
  const qty = r.decimal('qty', { required: true, positive: true, what: 'a quantity' })
  const firstFailedAt = r.time('first_failed_at')
  const lastRetry = r.time('last_retry_attempt')
  const reason = r.text('reason')
  const reject = r.reject(context.file, path, 'orders', order)
  if (reject) return { reject }
  const key = `failed:${symbol!.symbol}${firstFailedAt ? `:${firstFailedAt}` : ''}`
  const seen = context.failedOrders.add(key, '', item.index)
  if ('duplicateOf' in seen || seen.ordinal > 1) {
    return {
      duplicate: {
        location,
        reason: `same symbol and first_failed_at as ${'duplicateOf' in seen ? jsonPath(item.section, seen.duplicateOf) : 'an earlier failed order'}, which was kept`,
      },
    }
  }
  return {
    records: [
      {
        entity: 'orders',
        sourceKey: key,
        location,
        values: {
          symbol: symbol!.symbol,
          raw_symbol: symbol!.raw,
          side: 'buy',
          status: 'rejected',
          quantity: qty,
          filled_quantity: '0',
          reason,
          placed_at: firstFailedAt,
          updated_at: lastRetry,
        },
        extra: r.extra(),
      },
    ],
  }
}
