import { mapVocabulary } from '@ledgerport/core'
import type { V2Database } from './v2-database.js'
import { TRADE_STATUS } from './vocabularies.js'

/**
 * Source keys: every canonical row's key names the v2 row it came from, so v2 ids stay findable.
 *
 * | canonical row | source key |
 * |---|---|
 * | round trip of v2 trade 12 | `trade:12` |
 * | order of v2 `orders` row 7 | `order:7` |
 * | entry order of trade 12, when `orders` has no row for it | `trade:12:entry` |
 * | exit order of closed trade 12, when `orders` has no row for it | `trade:12:exit` |
 * | entry / exit fill of trade 12 | `trade:12:entry-fill` / `trade:12:exit-fill` |
 * | stop-loss / take-profit leg of `sltp_orders` row 3 | `sltp:3:sl` / `sltp:3:tp` |
 * | signal 5 | `signal:5` |
 * | `bybit_trade_history` row 9 | `history:9` |
 * | trading session `sess-…` | `session:sess-…` |
 */
export const keys = {
  trade: (id: string) => `trade:${id}`,
  order: (id: string) => `order:${id}`,
  entryOrder: (tradeId: string) => `trade:${tradeId}:entry`,
  exitOrder: (tradeId: string) => `trade:${tradeId}:exit`,
  entryFill: (tradeId: string) => `trade:${tradeId}:entry-fill`,
  exitFill: (tradeId: string) => `trade:${tradeId}:exit-fill`,
  stopLoss: (sltpId: string) => `sltp:${sltpId}:sl`,
  takeProfit: (sltpId: string) => `sltp:${sltpId}:tp`,
  signal: (id: string) => `signal:${id}`,
  history: (id: string) => `history:${id}`,
  session: (sessionId: string) => `session:${sessionId}`,
} as const

/** Whether a v2 trade status is `CLOSE` (in any casing). */
export function isClosedTrade(status: unknown): boolean {
  return mapVocabulary(status, TRADE_STATUS).value === 'closed'
}

/**
 * Finds the canonical order each Bybit order id belongs to, as a source key, by looking in the v2
 * database (never in the target): the `orders` row with that `order_id` (the smallest id when
 * several), else the entry order of the first trade with that `order_id`, else the exit order of
 * the first closed trade with that `close_order_id`. Ids found nowhere are absent from the result.
 */
export async function resolveOrderKeys(
  database: V2Database,
  bybitOrderIds: Iterable<string>,
): Promise<Map<string, string>> {
  const resolved = new Map<string, string>()
  let wanted = [...new Set(bybitOrderIds)]
  if (wanted.length === 0) return resolved
  for (const [bybitId, id] of await database.minIds('orders', 'order_id', wanted))
    resolved.set(bybitId, keys.order(id))
  wanted = wanted.filter((id) => !resolved.has(id))
  if (wanted.length === 0) return resolved
  for (const [bybitId, id] of await database.minIds('trades', 'order_id', wanted))
    resolved.set(bybitId, keys.entryOrder(id))
  wanted = wanted.filter((id) => !resolved.has(id))
  if (wanted.length === 0) return resolved
  for (const row of await database.rowsWhereIn('trades', 'close_order_id', wanted, [
    'id',
    'close_order_id',
    'status',
  ])) {
    const bybitId = String(row.close_order_id)
    if (!resolved.has(bybitId) && isClosedTrade(row.status))
      resolved.set(bybitId, keys.exitOrder(String(row.id)))
  }
  return resolved
}
