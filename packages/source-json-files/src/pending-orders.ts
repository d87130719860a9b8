import { mapVocabulary } from '@ledgerport/core'
import {
  JsonFieldReader,
  type JsonItem,
  jsonPath,
  type Mapped,
  ORDER_STATUS,
  orderType,
  readSide,
  readSymbol,
  recordOf,
  type SeenKeys,
} from '@ledgerport/source-kit'
import { brokerOrderKey, type TradeOrderIds } from './order-keys.js'

/** What mapping the items of one `pending_orders.json` needs. */
export interface PendingContext {
  readonly file: string
  readonly timezone: string
  /** Broker order ids seen so far. */
  readonly seen: SeenKeys
  /**
   * The orders of the trades in `trades_history.json` next to this file, by broker order id: a
   * pending order among them is the same broker order, which that file's trade gives in full.
   */
  readonly trades?: { readonly file: string; readonly orderIds: TradeOrderIds }
}

/**
 * One order of `pending_orders.json` → an order keyed by its broker order id (`order:BROKER_ID`, the key
 * a trade's order with that id has too), or a duplicate when a trade of `trades_history.json` already
 * has that order (the executed order, with its round trip and fill, is the fuller record of it, so
 * it is kept and this entry is skipped: the row does not flip between the two). The bot writes no side:
 * its entries are buys (`AMO` market or limit orders) and the sell engine registers its exits as
 * `REGULAR` `LIMIT` orders, so a missing side is `sell` for those and `buy` otherwise.
 */
export function mapPendingOrder(context: PendingContext, item: JsonItem): Mapped {
  const path = jsonPath(item.section, item.index)
  const location = { file: context.file, path }
  const read = recordOf(context.file, path, 'orders', item, 'an order')
  if ('reject' in read) return read
  const order = read.object
  const r = new JsonFieldReader(order, context.timezone)
  const orderId = r.text('order_id', { what: 'an order id' })
  const symbol = readSymbol(r, ['symbol', 'ticker'])
  const qty = r.decimal(['qty', 'quantity'], { required: true, positive: true, what: 'a quantity' })
  const filled = r.decimal(['executed_qty', 'filled_qty'], { what: 'a quantity' })
  if (filled?.startsWith('-')) r.issue('executed_qty', `${filled} is below 0; fix it or remove the order`)
  const price = r.decimal('price', { money: true, zeroIsNone: true, what: 'a price' })
  const placedAt = r.time(['placed_at', 'timestamp'], { what: 'a placed_at time' })
  const lastCheck = r.time('last_status_check')
  const rawType = r.text('order_type')
  const variety = typeof order.variety === 'string' ? order.variety : undefined
  const side = readSide(r, () =>
    variety?.toUpperCase() === 'REGULAR' && rawType?.toUpperCase() === 'LIMIT' ? 'sell' : 'buy',
  )
  const rawStatus = r.text('status', { required: true, what: 'a status' })
  const status = rawStatus === undefined ? undefined : mapVocabulary(rawStatus, ORDER_STATUS).value
  if (rawStatus !== undefined && status === null) {
    r.issue(
      'status',
      `${JSON.stringify(rawStatus)} is not a known order status (PENDING, OPEN, EXECUTED, COMPLETE, REJECTED, CANCELLED, PARTIALLY_FILLED, TRIGGER_PENDING); fix it or remove the order`,
    )
  }
  if (orderId === undefined && placedAt === undefined && r.issues.length === 0) {
    r.issue('order_id', 'is missing, and so is placed_at: nothing identifies the order; add its order_id')
  }
  const reason = r.text('rejection_reason')
  const reject = r.reject(context.file, path, 'orders', order)
  if (reject) return { reject }

  const key = orderId !== undefined ? brokerOrderKey(orderId) : `pending:${symbol!.raw}:${placedAt}`
  const trade = orderId === undefined ? undefined : context.trades?.orderIds.find(orderId)
  if (trade) {
    return {
      duplicate: {
        location,
        reason: `same broker order id ${orderId} as the ${trade.role} order of trades[${trade.index}] in ${context.trades!.file} (order ${key}), which was kept`,
      },
    }
  }
  const seen = context.seen.add(key, '', item.index)
  if ('duplicateOf' in seen || seen.ordinal > 1) {
    return {
      duplicate: {
        location,
        reason:
          orderId !== undefined
            ? `same broker order id ${orderId} as ${'duplicateOf' in seen ? jsonPath(item.section, seen.duplicateOf) : 'an earlier order'} (order ${key}), which was kept`
            : `same symbol and placed_at as ${'duplicateOf' in seen ? jsonPath(item.section, seen.duplicateOf) : 'an earlier order'}, which was kept`,
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
          side,
          ...orderType(rawType),
          status,
          source_status: rawStatus,
          quantity: qty,
          filled_quantity: filled ?? (status === 'filled' ? qty : undefined),
          price,
          exchange_order_id: orderId,
          reason,
          placed_at: placedAt,
          updated_at: lastCheck,
        },
        extra: r.extra(),
      },
    ],
  }
}
