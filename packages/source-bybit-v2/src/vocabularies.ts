/**
 * The vocabularies of the v2 bot and of Bybit, mapped to ledgerport's. Keys are matched ignoring case
 * and separators (`mapVocabulary`), so `Filled`, `FILLED` and `filled` are the same.
 */

/** v2 `trades.status` → round-trip status. Anything else (`ERROR`, …) is `failed`. */
export const TRADE_STATUS = { open: 'open', close: 'closed', canceled: 'cancelled' } as const

/** v2 `trades.status` → the status of the trade's entry order (when `orders` has no row for it). */
export const ENTRY_ORDER_STATUS = { open: 'filled', close: 'filled', canceled: 'cancelled' } as const

/** Bybit `orderStatus` → order status. */
export const ORDER_STATUS = {
  Created: 'pending',
  Untriggered: 'pending',
  New: 'open',
  Active: 'open',
  PartiallyFilled: 'open',
  Triggered: 'open',
  Filled: 'filled',
  Cancelled: 'cancelled',
  PartiallyFilledCanceled: 'cancelled',
  Deactivated: 'cancelled',
  Rejected: 'rejected',
} as const

/** Order statuses after which an order changes no more. */
export const FINAL_ORDER_STATUSES: ReadonlySet<string> = new Set(['filled', 'cancelled', 'rejected'])

/** Bybit `side` → side. */
export const SIDE = { Buy: 'buy', Sell: 'sell' } as const

/** Bybit `side` of the entry → round-trip direction. */
export const DIRECTION = { Buy: 'long', Sell: 'short' } as const

/** Bybit `orderType` → order type. */
export const ORDER_TYPE = { Market: 'market', Limit: 'limit' } as const

/** Bybit `timeInForce` → time in force. */
export const TIME_IN_FORCE = {
  GTC: 'gtc',
  IOC: 'ioc',
  FOK: 'fok',
  PostOnly: 'post_only',
  RPI: 'rpi',
} as const

/** Bybit `triggerBy` → trigger price type. */
export const TRIGGER_BY = {
  LastPrice: 'last_price',
  MarkPrice: 'mark_price',
  IndexPrice: 'index_price',
} as const

/**
 * The standard spelling of each canonical value in a vocabulary table: its first key. A raw value
 * spelled otherwise (`BUY`, `lastprice`) is kept in `extra.v2_raw`, so the source row can be rebuilt.
 */
export function standardSpelling(table: Readonly<Record<string, string>>, value: string): string | undefined {
  for (const [key, mapped] of Object.entries(table)) if (mapped === value) return key
  return undefined
}
