import { mapVocabulary } from '@ledgerport/core'

/**
 * Broker and paper-trading order statuses → `orders.status`. A partial fill stays `open` (its
 * `filled_quantity` says how much); `TRIGGER_PENDING` (a stop order waiting for its trigger) is
 * `pending`, like an after-market order not yet sent to the exchange.
 */
export const ORDER_STATUS = {
  pending: 'pending',
  amo: 'pending',
  trigger_pending: 'pending',
  open: 'open',
  partially_filled: 'open',
  executed: 'filled',
  complete: 'filled',
  completed: 'filled',
  filled: 'filled',
  rejected: 'rejected',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  expired: 'expired',
} as const

/** Order sides as bots write them → `buy` / `sell`. */
export const SIDE = { buy: 'buy', b: 'buy', sell: 'sell', s: 'sell' } as const

/** Order types → lower_snake `orders.order_type` (the raw value goes to `source_type`). */
export const ORDER_TYPE = {
  market: 'market',
  mkt: 'market',
  limit: 'limit',
  l: 'limit',
  sl: 'stop_limit',
  stop_limit: 'stop_limit',
  slm: 'stop_market',
  sl_m: 'stop_market',
  stop_market: 'stop_market',
} as const

/** `order_type` and `source_type` of an order type as written (unknown types lower_snake'd). */
export function orderType(raw: string | undefined): { order_type?: string; source_type?: string } {
  if (raw === undefined) return {}
  const mapped = mapVocabulary(raw, ORDER_TYPE)
  return {
    order_type:
      mapped.value ??
      raw
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}]+/gu, '_'),
    source_type: raw,
  }
}
