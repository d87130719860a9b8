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
} from '@ledgerport/source-kit'
import { type FolderContext, userOf } from './folder-context.js'

/** What the transactions stream needs to know of an order to link fills to it. */
export interface OrderFacts {
  readonly key: string
  readonly orderId?: string
  readonly symbol: string
  readonly side: 'buy' | 'sell'
  /** When it executed (else was placed), as written. */
  readonly time?: string
}

/**
 * One order of `orders.json` → an order. Reads the bot's writer shape (`transaction_type`,
 * `placed_at`, `executed_price`, `executed_quantity`, money strings like `"₹3,900.00"`) and the
 * migration doc's (`side`, `timestamp`).
 */
export function mapPaperOrder(context: FolderContext, item: JsonItem): Mapped & { facts?: OrderFacts } {
  const path = jsonPath(item.section, item.key ?? item.index)
  const location = { file: context.file, path }
  const read = recordOf(context.file, path, 'orders', item, 'an order')
  if ('reject' in read) return read
  const order = read.object
  const r = new JsonFieldReader(order, context.timezone)
  const orderId = r.text('order_id', { what: 'an order id' })
  const symbol = readSymbol(r, ['symbol', 'tradingsymbol'])
  const side = readSide(r, () => {
    r.issue('transaction_type', 'is missing (and so is side); write BUY or SELL')
    return 'buy'
  })
  const quantity = r.decimal(['quantity', 'qty'], { required: true, positive: true, what: 'a quantity' })
  const filled = r.decimal(['executed_quantity', 'filled_quantity'], { what: 'a quantity' })
  if (filled?.startsWith('-'))
    r.issue('executed_quantity', `${filled} is below 0; fix it or remove the order`)
  const price = r.decimal('price', { money: true, zeroIsNone: true, positive: true, what: 'a price' })
  const avgPrice = r.decimal(['executed_price', 'average_price', 'avg_price'], {
    money: true,
    zeroIsNone: true,
    positive: true,
    what: 'a price',
  })
  const placedAt = r.time(['placed_at', 'timestamp', 'created_at'], { what: 'a placed_at time' })
  const executedAt = r.time('executed_at')
  const cancelledAt = r.time('cancelled_at')
  const updatedAt = r.time('last_updated')
  const rawType = r.text('order_type')
  const rawStatus = r.text('status', { required: true, what: 'a status' })
  const status = rawStatus === undefined ? undefined : mapVocabulary(rawStatus, ORDER_STATUS).value
  if (rawStatus !== undefined && status === null) {
    r.issue(
      'status',
      `${JSON.stringify(rawStatus)} is not a known order status (PENDING, OPEN, EXECUTED, COMPLETE, FILLED, CANCELLED, REJECTED, PARTIALLY_FILLED, TRIGGER_PENDING); fix it or remove the order`,
    )
  }
  if (orderId === undefined && placedAt === undefined && r.issues.length === 0)
    r.issue('order_id', 'is missing, and so is placed_at: nothing identifies the order; add its order_id')
  const exchange = r.text('exchange')
  const validity = r.text('validity')
  const remarks = r.text('remarks')
  const reject = r.reject(context.file, path, 'orders', order)
  if (reject) return { reject }

  const key =
    orderId !== undefined
      ? `${context.folder}:order:${orderId}`
      : `${context.folder}:order:${symbol!.raw}:${side}:${placedAt}`
  const seen = context.seen.add(key, '', item.index)
  if ('duplicateOf' in seen || seen.ordinal > 1) {
    const kept = 'duplicateOf' in seen ? jsonPath(item.section, seen.duplicateOf) : 'an earlier order'
    return {
      duplicate: {
        location,
        reason:
          orderId !== undefined
            ? `same order_id ${orderId} as ${kept} (order ${key}), which was kept`
            : `same symbol, side and placed_at as ${kept}, which was kept`,
      },
    }
  }
  const isFilled = status === 'filled'
  return {
    facts: {
      key,
      ...(orderId !== undefined ? { orderId } : {}),
      symbol: symbol!.symbol,
      side: side!,
      ...((executedAt ?? placedAt) ? { time: (executedAt ?? placedAt)! } : {}),
    },
    records: [
      {
        entity: 'orders',
        sourceKey: key,
        location,
        values: {
          ...userOf(context),
          exchange,
          symbol: symbol!.symbol,
          raw_symbol: symbol!.raw,
          side,
          ...orderType(rawType),
          status,
          source_status: rawStatus,
          quantity,
          filled_quantity: filled ?? (isFilled ? quantity : undefined),
          price,
          avg_price: avgPrice,
          time_in_force: validity,
          exchange_order_id: orderId,
          reason: remarks,
          placed_at: placedAt,
          filled_at: executedAt,
          closed_at: cancelledAt ?? (isFilled ? executedAt : undefined),
          updated_at: updatedAt,
        },
        extra: r.extra(),
      },
    ],
  }
}
