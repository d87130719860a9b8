import {
  buildExtra,
  idValue,
  type MapContext,
  type MapResult,
  noteJson,
  rejectRow,
  rowLocation,
} from './map-context.js'
import { canonicalSymbol, RowReader } from './row-reader.js'
import { keys } from './source-keys.js'
import type { V2Row } from './v2-database.js'
import { ORDER_TYPE, SIDE, TRIGGER_BY } from './vocabularies.js'

/** What the bybit_trade_history stream looks up in the v2 database for a page of rows. */
export interface TradeHistoryLinks {
  /** Bybit order id → source key of its canonical order. */
  readonly orders: ReadonlyMap<string, string>
  /** Bybit order id → the smallest history `id` holding it: later rows with it are duplicates. */
  readonly firstRows: ReadonlyMap<string, string>
}

/**
 * One v2 `bybit_trade_history` row (Bybit's order history, one row per order) → an exchange execution,
 * unique by Bybit order id (a later row with the same `order_id` is a duplicate), linked to its
 * canonical order. `created_time`/`updated_time` may be text (`2025-03-01 09:15:00.731`, read in
 * `--timezone`) or epoch milliseconds; the execution time is `updated_time`, else `created_time`.
 */
export function mapTradeHistory(row: V2Row, links: TradeHistoryLinks, context: MapContext): MapResult {
  const r = new RowReader(row, context.timeZone)
  const id = r.id('id') ?? ''
  const orderId = r.text('order_id', { unset: true })
  const first = orderId === null ? undefined : links.firstRows.get(orderId)
  if (first !== undefined && first !== id) {
    return {
      records: [],
      rejects: [],
      duplicates: [
        {
          location: rowLocation(context, id),
          reason: `bybit_trade_history id=${id} has the same Bybit order_id ${orderId} as id=${first}, which was kept.`,
        },
      ],
    }
  }
  const symbolRaw = r.text('symbol')
  const orderLinkId = r.text('order_link_id', { unset: true })
  const side = r.vocab('side', SIDE)
  const price = r.decimal('price')
  const qty = r.decimal('qty')
  const fee = r.decimal('fee')
  const feeCurrency = r.text('fee_currency', { unset: true })
  const orderType = r.vocab('order_type', ORDER_TYPE, { unset: true })
  const stopOrderType = r.text('stop_order_type', { unset: true })
  const createdTime = r.instant('created_time')
  const updatedTime = r.instant('updated_time')
  const isMaker = r.boolean('is_maker')
  const reduceOnly = r.boolean('reduce_only')
  const closeOnTrigger = r.boolean('close_on_trigger')
  const cumExecQty = r.decimal('cum_exec_qty')
  const cumExecValue = r.decimal('cum_exec_value')
  const cumExecFee = r.decimal('cum_exec_fee')
  const triggerPrice = r.decimal('trigger_price', { unset: true })
  const triggerBy = r.vocab('trigger_by', TRIGGER_BY, { unset: true })
  if (r.issues.length > 0) return { records: [], rejects: [rejectRow(context, id, r, row)] }
  const orderKey = orderId === null ? undefined : links.orders.get(orderId)
  if (orderId !== null && orderKey === undefined)
    context.notes.add(
      'missing-order',
      id,
      (what) =>
        `bybit_trade_history: ${what} have an order_id found in neither orders nor trades: they link no order.`,
    )
  noteJson(context, id, r)

  const executedAt = updatedTime ?? createdTime
  return {
    records: [
      {
        entity: 'exchange_executions',
        sourceKey: keys.history(id),
        values: {
          order_id: orderKey === undefined ? null : { ref: 'orders', sourceKey: orderKey },
          exchange: 'bybit',
          symbol: canonicalSymbol(symbolRaw, r),
          side: side.value,
          order_type: orderType.value ?? orderType.raw,
          exchange_order_id: orderId,
          price,
          quantity: qty,
          fee,
          fee_currency: feeCurrency,
          executed_at: executedAt?.raw ?? null,
        },
        extra: buildExtra(r, {
          v2_history_id: idValue(id),
          order_link_id: orderLinkId,
          side: side.value === null ? side.raw : null,
          stop_order_type: stopOrderType,
          created_time: createdTime?.raw,
          updated_time: updatedTime?.raw,
          is_maker: isMaker,
          reduce_only: reduceOnly,
          close_on_trigger: closeOnTrigger,
          cum_exec_qty: cumExecQty,
          cum_exec_value: cumExecValue,
          cum_exec_fee: cumExecFee,
          trigger_price: triggerPrice,
          trigger_by: triggerBy.value ?? triggerBy.raw,
        }),
        location: rowLocation(context, id),
      },
    ],
    rejects: [],
  }
}
