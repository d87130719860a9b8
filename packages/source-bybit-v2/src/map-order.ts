import { mapVocabulary } from '@ledgerport/core'
import {
  buildExtra,
  idValue,
  type MapContext,
  type MapResult,
  noteJson,
  type OrderLinks,
  rejectRow,
  roundTripRef,
  rowLocation,
} from './map-context.js'
import { RowReader } from './row-reader.js'
import { keys } from './source-keys.js'
import type { V2Row } from './v2-database.js'
import {
  FINAL_ORDER_STATUSES,
  ORDER_STATUS,
  ORDER_TYPE,
  SIDE,
  TIME_IN_FORCE,
  TRIGGER_BY,
} from './vocabularies.js'

/**
 * One v2 `orders` row (a Bybit order) → an order: Bybit's `orderStatus` mapped, its trade as round
 * trip, `parent_order_id` linked to the parent's canonical order, Bybit's unset spellings as none.
 */
export function mapOrder(row: V2Row, links: OrderLinks, context: MapContext): MapResult {
  const r = new RowReader(row, context.timeZone)
  const id = r.id('id') ?? ''
  const tradeId = r.id('trade_id')
  const orderId = r.text('order_id', { unset: true })
  const orderLinkId = r.text('order_link_id', { unset: true })
  const symbolRaw = r.text('symbol')
  const side = r.vocab('side', SIDE)
  const orderType = r.vocab('order_type', ORDER_TYPE)
  const price = r.decimal('price', { unset: true })
  const qty = r.decimal('qty')
  const statusRaw = r.value('status')
  const status = mapVocabulary(statusRaw, ORDER_STATUS)
  const avgPrice = r.decimal('avg_price', { unset: true })
  const cumExecQty = r.decimal('cum_exec_qty')
  const timeInForce = r.vocab('time_in_force', TIME_IN_FORCE, { unset: true })
  const reduceOnly = r.boolean('reduce_only')
  const positionIdx = r.integer('position_idx')
  const triggerBy = r.vocab('trigger_by', TRIGGER_BY, { unset: true })
  const slTriggerPrice = r.decimal('sl_trigger_price', { unset: true })
  const tpTriggerPrice = r.decimal('tp_trigger_price', { unset: true })
  const slOrderId = r.text('sl_order_id', { unset: true })
  const tpOrderId = r.text('tp_order_id', { unset: true })
  const isSltp = r.boolean('is_sltp')
  const parentOrderId = r.text('parent_order_id', { unset: true })
  const createdAt = r.instant('created_at')
  const updatedAt = r.instant('updated_at')
  if (symbolRaw === null) r.issue('symbol', 'is missing (NULL)')
  if (side.value === null) r.issue('side', `${JSON.stringify(side.raw)} is not Buy or Sell`)
  if (status.value === null)
    r.issue(
      'status',
      `${JSON.stringify(status.sourceStatus)} is not a Bybit order status (${Object.keys(ORDER_STATUS).join(', ')})`,
    )
  if (r.issues.length > 0) return { records: [], rejects: [rejectRow(context, id, r, row)] }

  const roundTrip = roundTripRef(tradeId, links.trades, context, id)
  const parentKey = parentOrderId !== null ? links.orders.get(parentOrderId) : undefined
  if (parentOrderId !== null && parentKey === undefined)
    context.notes.add(
      'missing-parent',
      id,
      (what) =>
        `orders: ${what} name a parent_order_id found in neither orders nor trades: they link no parent (the id is kept in extra.parent_order_id).`,
    )
  noteJson(context, id, r)

  const canonicalStatus = status.value!
  const final = FINAL_ORDER_STATUSES.has(canonicalStatus)
  return {
    records: [
      {
        entity: 'orders',
        sourceKey: keys.order(id),
        values: {
          round_trip_id: roundTrip,
          parent_order_id: parentKey === undefined ? null : { ref: 'orders', sourceKey: parentKey },
          exchange: 'bybit',
          symbol: symbolRaw!.trim().toUpperCase(),
          raw_symbol: symbolRaw,
          side: side.value,
          order_type: orderType.value,
          source_type: orderType.raw,
          status: canonicalStatus,
          source_status: status.sourceStatus,
          quantity: qty,
          filled_quantity: cumExecQty,
          price,
          avg_price: avgPrice,
          stop_price: isSltp ? (slTriggerPrice ?? tpTriggerPrice) : null,
          trigger_by: triggerBy.value ?? triggerBy.raw,
          time_in_force: timeInForce.value ?? timeInForce.raw,
          reduce_only: reduceOnly,
          position_idx: positionIdx,
          exchange_order_id: orderId,
          client_order_id: orderLinkId,
          placed_at: createdAt?.raw ?? null,
          filled_at: canonicalStatus === 'filled' ? (updatedAt?.raw ?? null) : null,
          closed_at: final ? (updatedAt?.raw ?? null) : null,
          updated_at: updatedAt?.raw ?? null,
        },
        extra: buildExtra(r, {
          v2_order_id: idValue(id),
          trade_id: tradeId === null ? null : idValue(tradeId),
          sl_trigger_price: slTriggerPrice,
          tp_trigger_price: tpTriggerPrice,
          sl_order_id: slOrderId,
          tp_order_id: tpOrderId,
          is_sltp: isSltp,
          parent_order_id: parentOrderId,
        }),
        location: rowLocation(context, id),
      },
    ],
    rejects: [],
  }
}
