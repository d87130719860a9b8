import { type JsonInput, JsonNumber, SeenKeys } from '@ledgerport/source-kit'

/** Which of a trade's orders a broker order id is: its first buy, or its sell. */
export type TradeOrderRole = 'entry' | 'exit'

/**
 * The source key of the order the broker numbered `brokerId`, in either file: `order:BROKER_ID`. The
 * bot registers every order it places in `pending_orders.json` and keeps the broker's reply in the
 * trade of `trades_history.json` it becomes, so one key makes them one `orders` row.
 */
export const brokerOrderKey = (brokerId: string): string => `order:${brokerId}`

/**
 * The broker order ids of the orders the trades of one `trades_history.json` land as (the entry order
 * from `order_response`, the exit from `sell_order_id` / `sell_order_response`), each with the first
 * trade that has it. Keeps 16 bytes of hashes an id, not the ids (see {@link SeenKeys}).
 */
export class TradeOrderIds {
  readonly #seen = new SeenKeys()

  /**
   * Records that trade `index` (in `trades[]`) has the order `brokerId` as its `role` order. True
   * when it is the first order with that id, which takes the key `order:BROKER_ID`; a later one (two
   * trades with one broker id: a hand-edited file) keeps its trade key.
   */
  claim(brokerId: string, index: number, role: TradeOrderRole): boolean {
    return 'ordinal' in this.#seen.add(brokerId, '', index * 2 + (role === 'exit' ? 1 : 0))
  }

  /** The trade (index in `trades[]`) and role of the order that took `brokerId`, if any. */
  find(brokerId: string): { index: number; role: TradeOrderRole } | undefined {
    const position = this.#seen.find(brokerId)
    if (position === undefined) return undefined
    return { index: Math.floor(position / 2), role: position % 2 === 1 ? 'exit' : 'entry' }
  }

  /** How many ids are recorded. */
  get size(): number {
    return this.#seen.size
  }
}

/**
 * The broker's order id from an `order_response` the bot stored, whatever its shape: `{nOrdNo}`,
 * `{neoOrdNo}`, `{orderId}`, `{order_id}`, `{OrdId}`, `{ordId}`, each also under `data`, or the id itself
 * as a string or number. The same field order as the bot's `extract_order_id`. `undefined` when none.
 */
export function brokerOrderId(response: JsonInput | undefined): string | undefined {
  if (response === null || response === undefined) return undefined
  if (typeof response === 'string') return response.trim() === '' ? undefined : response.trim()
  if (response instanceof JsonNumber) return response.text
  if (typeof response !== 'object' || Array.isArray(response)) return undefined
  const data = response.data
  for (const holder of [
    data && typeof data === 'object' && !Array.isArray(data) && !(data instanceof JsonNumber)
      ? data
      : undefined,
    response,
  ]) {
    if (!holder) continue
    for (const field of ORDER_ID_FIELDS) {
      const value = holder[field]
      if (typeof value === 'string' && value.trim() !== '') return value.trim()
      if (value instanceof JsonNumber) return value.text
    }
  }
  return undefined
}

const ORDER_ID_FIELDS = ['nOrdNo', 'neoOrdNo', 'orderId', 'order_id', 'OrdId', 'ordId'] as const
