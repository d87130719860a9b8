import { SeenKeys } from './seen-keys.js'

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
