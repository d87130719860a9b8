import { mapVocabulary } from '@ledgerport/core'
import { describeJson, type JsonFieldReader, jsonKind } from './json-fields.js'

/**
 * The Indian broker bot's vocabularies (seed 001: its `trades_history.json` / `pending_orders.json`
 * and its paper-trading service's files), shared by the `json-files` and `paper-trading` sources.
 */

/**
 * Broker and paper-trading order statuses → `orders.status`. A partial fill stays `open` (its
 * `filled_quantity` says how much); `TRIGGER_PENDING` (a stop order waiting for its trigger) is
 * `pending`, like an after-market order not yet sent to the exchange.
 *
 * @example mapVocabulary('EXECUTED', ORDER_STATUS).value // 'filled'
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

/**
 * `order_type` and `source_type` of an order type as written (unknown types lower_snake'd).
 *
 * @example orderType('SL-M') // { order_type: 'stop_market', source_type: 'SL-M' }
 */
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

/** Series and exchange suffixes the broker bot puts on NSE symbols, stripped to get the symbol. */
const SYMBOL_SUFFIX = /(?:\.NS|-EQ|-BE|-BL|-BZ)$/i

/**
 * The symbol without the suffixes the bot adds: `.NS` (Yahoo's NSE ticker), `-EQ`, `-BE`, `-BL`, `-BZ`
 * (NSE series), in any order and case: `RELIANCE.NS` → `RELIANCE`, `IRFC-BE` → `IRFC`. Trimmed;
 * letters are kept as written.
 *
 * @example cleanSymbol(' INFY-EQ.NS ') // 'INFY'
 */
export function cleanSymbol(raw: string): string {
  let symbol = raw.trim()
  for (;;) {
    const next = symbol.replace(SYMBOL_SUFFIX, '').trim()
    if (next === symbol) return symbol
    symbol = next
  }
}

/**
 * The cleaned symbol ({@link cleanSymbol}) and the symbol as written, from the first present of
 * `fields`; missing, not text, or empty once cleaned is an issue of the reader.
 *
 * @example readSymbol(reader, ['symbol', 'ticker']) // { symbol: 'RELIANCE', raw: 'RELIANCE-EQ' }
 */
export function readSymbol(
  r: JsonFieldReader,
  fields: string | ReadonlyArray<string>,
): { symbol: string; raw: string } | undefined {
  return r.read(
    fields,
    (value) => {
      if (typeof value !== 'string')
        return { issue: `${describeJson(value)} is not a symbol (${jsonKind(value)}); write it as a string` }
      const symbol = cleanSymbol(value)
      if (symbol === '')
        return { issue: `${describeJson(value)} is not a symbol (empty once .NS/-EQ are removed)` }
      return { value: { symbol, raw: value } }
    },
    { required: true, what: 'its symbol (e.g. "RELIANCE" or "RELIANCE-EQ")' },
  )
}

/**
 * `side` / `transaction_type` / `txn_type` (`BUY`, `buy`, `B`…), else `fallback()`; an unknown side
 * is an issue of the reader.
 *
 * @example readSide(reader, () => 'buy') // 'sell' for {"transaction_type": "SELL"}
 */
export function readSide(r: JsonFieldReader, fallback: () => 'buy' | 'sell'): 'buy' | 'sell' | undefined {
  const found = r.first(['side', 'transaction_type', 'txn_type'])
  if (!found) return fallback()
  const text = r.textOf(found.field, found.value, { required: true, what: 'a side' })
  if (text === undefined) return undefined
  const side = mapVocabulary(text, SIDE).value
  if (side === null) r.issue(found.field, `${JSON.stringify(text)} is not a side (BUY or SELL)`)
  return side ?? undefined
}
