import { type EntityRef, toInstant } from '@ledgerport/core'
import {
  JsonFieldReader,
  type JsonItem,
  jsonPath,
  type Mapped,
  readSide,
  readSymbol,
  recordOf,
} from '@ledgerport/source-kit'
import { type FolderContext, userOf } from './folder-context.js'
import type { OrderFacts } from './paper-orders.js'

/** The orders of one folder, for linking its transactions: by order id, and by symbol and side in time. */
export class OrderIndex {
  readonly #byId = new Map<string, string>()
  readonly #bySymbolSide = new Map<string, Array<{ ms: number; key: string }>>()
  readonly #timezone: string

  constructor(timezone: string) {
    this.#timezone = timezone
  }

  /** Adds an order that was mapped (so it exists in the target). */
  add(order: OrderFacts): void {
    if (order.orderId !== undefined && !this.#byId.has(order.orderId))
      this.#byId.set(order.orderId, order.key)
    const ms = order.time === undefined ? undefined : instantMs(order.time, this.#timezone)
    if (ms === undefined) return
    const group = `${order.symbol}\u0000${order.side}`
    const list = this.#bySymbolSide.get(group)
    if (list) list.push({ ms, key: order.key })
    else this.#bySymbolSide.set(group, [{ ms, key: order.key }])
  }

  /** The order with this id. */
  byId(orderId: string): string | undefined {
    return this.#byId.get(orderId)
  }

  /** The order of this symbol and side whose time is nearest `time`, within `toleranceMs` (earliest on a tie). */
  nearest(symbol: string, side: string, time: string, toleranceMs: number): string | undefined {
    const ms = instantMs(time, this.#timezone)
    if (ms === undefined) return undefined
    let best: { distance: number; key: string } | undefined
    for (const order of this.#bySymbolSide.get(`${symbol}\u0000${side}`) ?? []) {
      const distance = Math.abs(order.ms - ms)
      if (distance <= toleranceMs && (!best || distance < best.distance)) best = { distance, key: order.key }
    }
    return best?.key
  }
}

function instantMs(time: string, timezone: string): number | undefined {
  try {
    const { instant } = toInstant(time, timezone)
    // Microseconds beyond milliseconds do not matter for matching within a tolerance.
    return Date.parse(instant.replace(/(\.\d{3})\d+Z$/, '$1Z'))
  } catch {
    return undefined
  }
}

/** What linking a transaction needs. */
export interface LinkContext {
  readonly orders: OrderIndex
  readonly toleranceMs: number
}

/**
 * One transaction of `transactions.json` → a fill, linked to its order by `order_id` when the folder's
 * `orders.json` has that order, else (no `order_id`) to the order of the same symbol and side nearest in
 * time within the tolerance. A fill that matches no order is kept without `order_id` (`unlinked`).
 */
export function mapTransaction(
  context: FolderContext,
  link: LinkContext,
  item: JsonItem,
): Mapped & { unlinked?: boolean } {
  const path = jsonPath(item.section, item.key ?? item.index)
  const location = { file: context.file, path }
  const read = recordOf(context.file, path, 'fills', item, 'a transaction')
  if ('reject' in read) return read
  const txn = read.object
  const r = new JsonFieldReader(txn, context.timezone)
  // order_id stays in extra as written; the link is the fill's order_id column.
  const orderId = new JsonFieldReader(txn, context.timezone).text('order_id', { what: 'an order id' })
  const symbol = readSymbol(r, ['symbol', 'tradingsymbol'])
  const side = readSide(r, () => {
    r.issue('transaction_type', 'is missing (and so is side); write BUY or SELL')
    return 'buy'
  })
  const quantity = r.decimal(['quantity', 'qty'], { required: true, positive: true, what: 'a quantity' })
  const price = r.decimal('price', { required: true, positive: true, money: true, what: 'a price' })
  const fee = r.decimal(['charges', 'fee', 'fees'], { money: true, what: 'an amount' })
  const time = r.time(['timestamp', 'executed_at', 'time'], { what: 'a timestamp' })
  const reject = r.reject(context.file, path, 'fills', txn)
  if (reject) return { reject }

  const key =
    orderId !== undefined
      ? `${context.folder}:fill:${orderId}:${time ?? item.index}`
      : `${context.folder}:fill:${symbol!.symbol}:${side}:${time ?? item.index}`
  const seen = context.seen.add(key, '', item.index)
  if ('duplicateOf' in seen || seen.ordinal > 1) {
    const kept = 'duplicateOf' in seen ? jsonPath(item.section, seen.duplicateOf) : 'an earlier transaction'
    return {
      duplicate: {
        location,
        reason: `same ${orderId !== undefined ? 'order_id' : 'symbol, side'} and timestamp as ${kept}, which was kept`,
      },
    }
  }
  const orderKey =
    orderId !== undefined
      ? link.orders.byId(orderId)
      : time !== undefined
        ? link.orders.nearest(symbol!.symbol, side!, time, link.toleranceMs)
        : undefined
  const order: EntityRef | undefined = orderKey ? { ref: 'orders', sourceKey: orderKey } : undefined
  return {
    unlinked: order === undefined,
    records: [
      {
        entity: 'fills',
        sourceKey: key,
        location,
        values: {
          ...userOf(context),
          order_id: order,
          symbol: symbol!.symbol,
          side,
          price,
          quantity,
          fee,
          executed_at: time,
        },
        extra: r.extra(symbol!.raw !== symbol!.symbol ? { symbol: symbol!.raw } : {}),
      },
    ],
  }
}
