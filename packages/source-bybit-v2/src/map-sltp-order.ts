import type { CanonicalRecord } from '@ledgerport/core'
import {
  buildExtra,
  idValue,
  jsonValue,
  type MapContext,
  type MapResult,
  noteJson,
  type OrderLinks,
  rejectRow,
  roundTripRef,
  rowLocation,
} from './map-context.js'
import { canonicalSymbol, RowReader } from './row-reader.js'
import { keys } from './source-keys.js'
import type { V2Row } from './v2-database.js'
import { SIDE, TRIGGER_BY } from './vocabularies.js'

/**
 * One v2 `sltp_orders` row → its protective orders, one per leg: `stop_loss` (trigger
 * `stop_loss_price`, order `sl_order_id`) when any stop-loss field is set, `take_profit` likewise, and
 * both when neither is (a failed attempt at both). Each leg links the trade's round trip and the leg's
 * order, and keeps every other column of the row in `extra`, so either leg rebuilds the row.
 */
export function mapSltpOrder(row: V2Row, links: OrderLinks, context: MapContext): MapResult {
  const r = new RowReader(row, context.timeZone)
  const id = r.id('id') ?? ''
  const tradeId = r.id('trade_id')
  const symbolRaw = r.text('symbol')
  const side = r.vocab('side', SIDE)
  const stopLossPrice = r.decimal('stop_loss_price', { unset: true })
  const takeProfitPrice = r.decimal('take_profit_price', { unset: true })
  const slOrderId = r.text('sl_order_id', { unset: true })
  const tpOrderId = r.text('tp_order_id', { unset: true })
  const statusRaw = r.text('status')
  const createdAt = r.instant('created_at')
  const updatedAt = r.instant('updated_at')
  const attempts = r.integer('attempts')
  const slTriggerBy = r.vocab('sl_trigger_by', TRIGGER_BY, { unset: true })
  const tpTriggerBy = r.vocab('tp_trigger_by', TRIGGER_BY, { unset: true })
  const trailingStop = r.boolean('trailing_stop')
  const trailingStopPrice = r.decimal('trailing_stop_price', { unset: true })
  const trailingStopActivationPrice = r.decimal('trailing_stop_activation_price', { unset: true })
  const trailingCallback = r.decimal('trailing_callback', { unset: true })
  const isBreakeven = r.boolean('is_breakeven')
  const partialCloseRatio = r.decimal('partial_close_ratio', { unset: true })
  const partialCloseTrigger = r.decimal('partial_close_trigger', { unset: true })
  const originalStopLoss = r.decimal('original_stop_loss', { unset: true })
  const originalTakeProfit = r.decimal('original_take_profit', { unset: true })
  const errorMessage = r.text('error_message')
  const extraData = r.json('extra_data')
  if (r.issues.length > 0) return { records: [], rejects: [rejectRow(context, id, r, row)] }

  const roundTrip = roundTripRef(tradeId, links.trades, context, id)
  noteJson(context, id, r)

  const shared: Record<string, unknown> = {
    v2_sltp_id: idValue(id),
    trade_id: tradeId === null ? null : idValue(tradeId),
    side: side.raw,
    stop_loss_price: stopLossPrice,
    take_profit_price: takeProfitPrice,
    sl_order_id: slOrderId,
    tp_order_id: tpOrderId,
    attempts,
    sl_trigger_by: slTriggerBy.value ?? slTriggerBy.raw,
    tp_trigger_by: tpTriggerBy.value ?? tpTriggerBy.raw,
    trailing_stop: trailingStop,
    trailing_stop_price: trailingStopPrice,
    trailing_stop_activation_price: trailingStopActivationPrice,
    trailing_callback: trailingCallback,
    is_breakeven: isBreakeven,
    partial_close_ratio: partialCloseRatio,
    partial_close_trigger: partialCloseTrigger,
    original_stop_loss: originalStopLoss,
    original_take_profit: originalTakeProfit,
    error_message: errorMessage,
  }
  shared.extra_data = jsonValue(extraData, shared, 'extra_data')
  const symbol = canonicalSymbol(symbolRaw, r)
  const extra = buildExtra(r, shared)

  const hasStopLoss =
    stopLossPrice !== null || slOrderId !== null || originalStopLoss !== null || trailingStop === true
  const hasTakeProfit = takeProfitPrice !== null || tpOrderId !== null || originalTakeProfit !== null
  const legs: Array<{ kind: string; key: string; price: string | null; orderId: string | null }> = []
  if (hasStopLoss || !hasTakeProfit)
    legs.push({ kind: 'stop_loss', key: keys.stopLoss(id), price: stopLossPrice, orderId: slOrderId })
  if (hasTakeProfit || !hasStopLoss)
    legs.push({ kind: 'take_profit', key: keys.takeProfit(id), price: takeProfitPrice, orderId: tpOrderId })

  const location = rowLocation(context, id)
  const records: CanonicalRecord[] = legs.map((leg) => {
    const orderKey = leg.orderId !== null ? links.orders.get(leg.orderId) : undefined
    return {
      entity: 'protective_orders',
      sourceKey: leg.key,
      values: {
        round_trip_id: roundTrip,
        order_id: orderKey === undefined ? null : { ref: 'orders', sourceKey: orderKey },
        exchange: 'bybit',
        symbol,
        kind: leg.kind,
        status: statusRaw === null ? null : statusRaw.trim().toLowerCase(),
        source_status: statusRaw,
        trigger_price: leg.price,
        exchange_order_id: leg.orderId,
        created_at: createdAt?.raw ?? null,
        updated_at: updatedAt?.raw ?? null,
      },
      extra,
      location,
    }
  })
  return { records, rejects: [] }
}
