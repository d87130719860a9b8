import { type CanonicalRecord, type EntityRef, mapVocabulary, type Reject } from '@ledgerport/core'
import {
  buildExtra,
  idValue,
  jsonValue,
  type MapContext,
  type MapResult,
  noteJson,
  rejectPart,
  rejectRow,
  rowLocation,
} from './map-context.js'
import { RowReader } from './row-reader.js'
import { keys } from './source-keys.js'
import type { V2Row } from './v2-database.js'
import { DIRECTION, ENTRY_ORDER_STATUS, SIDE, TRADE_STATUS } from './vocabularies.js'

/** What the trades stream looks up in the v2 database for a page of trades. */
export interface TradeLinks {
  /** Bybit order id → id of the v2 `orders` row holding it (the smallest when several). */
  readonly orderRows: ReadonlyMap<string, string>
  /** v2 signal ids that exist. */
  readonly signals: ReadonlySet<string>
  /** v2 `trading_sessions.session_id` values that exist. */
  readonly sessions: ReadonlySet<string>
}

/**
 * One v2 `trades` row → its round trip, its entry order (unless the `orders` table has it) and, when
 * the trade opened (`OPEN`, `CLOSE`), its entry fill; for a closed trade also its exit order (unless
 * `orders` has its `close_order_id`) and its exit fill at `close_price` (else `entry_price`, as the
 * seed does) carrying `pnl` as realized P&L at `closed_at`.
 */
export function mapTrade(row: V2Row, links: TradeLinks, context: MapContext): MapResult {
  const r = new RowReader(row, context.timeZone)
  const id = r.id('id') ?? ''
  const symbolRaw = r.text('symbol')
  const side = r.vocab('side', SIDE)
  const statusRaw = r.value('status')
  const status = mapVocabulary(statusRaw, TRADE_STATUS)
  const orderId = r.text('order_id', { unset: true })
  const orderLinkId = r.text('order_link_id', { unset: true })
  const closeOrderId = r.text('close_order_id', { unset: true })
  const entryPrice = r.decimal('entry_price')
  const closePrice = r.decimal('close_price', { unset: true })
  const quantity = r.decimal('quantity')
  const leverage = r.decimal('leverage')
  const stopLoss = r.decimal('stop_loss', { unset: true })
  const takeProfit = r.decimal('take_profit', { unset: true })
  const pnl = r.decimal('pnl')
  const fee = r.decimal('fee')
  const modelName = r.text('model_name')
  const modelScore = r.decimal('model_score')
  const profitProbability = r.decimal('profit_probability')
  const lossProbability = r.decimal('loss_probability')
  const confidence = r.decimal('confidence')
  const sessionId = r.text('session_id', { unset: true })
  const mlData = r.json('ml_data')
  const signalId = r.id('signal_id')
  const userId = r.integer('user_id')
  const createdAt = r.instant('created_at')
  const closedAt = r.instant('closed_at')
  if (symbolRaw === null) r.issue('symbol', 'is missing (NULL)')
  if (side.value === null) r.issue('side', `${JSON.stringify(side.raw)} is not Buy or Sell`)
  if (r.issues.length > 0) return { records: [], rejects: [rejectRow(context, id, r, row)] }

  const notes = context.notes
  const roundTripStatus = status.value ?? 'failed'
  const opened = roundTripStatus === 'open' || roundTripStatus === 'closed'
  const closed = roundTripStatus === 'closed'
  if (status.value === null)
    notes.add(
      `status:${status.sourceStatus}`,
      id,
      (what) =>
        `trades: ${what} have status ${JSON.stringify(status.sourceStatus)} (not OPEN, CLOSE or CANCELED): migrated as failed round trips.`,
    )
  if (orderId === null)
    notes.add(
      'orphaned',
      id,
      (what) =>
        `trades: ${what} have no order_id (the orphaned records of the v2→v3 guide): migrated as round trips whose entry order has no exchange order id.`,
    )
  if (closed && !closedAt)
    notes.add(
      'closed-without-time',
      id,
      (what) => `trades: ${what} are CLOSE without closed_at: their exit fills have no time.`,
    )
  if (closed && closePrice === null)
    notes.add(
      'close-price-fallback',
      id,
      (what) => `trades: ${what} are CLOSE without close_price: their exit fills are at entry_price.`,
    )
  const signalExists = signalId !== null && links.signals.has(signalId)
  if (signalId !== null && !signalExists)
    notes.add(
      'missing-signal',
      id,
      (what) =>
        `trades: ${what} name a signal_id that is not in signals: their round trips link no signal (the id is kept in extra.signal_id).`,
    )
  const sessionExists = sessionId !== null && links.sessions.has(sessionId)
  if (sessionId !== null && !sessionExists)
    notes.add(
      'missing-session',
      id,
      (what) =>
        `trades: ${what} name a session_id that is not in trading_sessions: their round trips link no session (the id is kept in extra.session_id).`,
    )
  noteJson(context, id, r)

  const location = rowLocation(context, id)
  const symbol = symbolRaw!.trim().toUpperCase()
  const buySell = side.value!
  const tradeRef: EntityRef = { ref: 'round_trips', sourceKey: keys.trade(id) }
  const entryRow = orderId !== null ? links.orderRows.get(orderId) : undefined
  const entryKey = entryRow !== undefined ? keys.order(entryRow) : keys.entryOrder(id)
  const exitRow = closed && closeOrderId !== null ? links.orderRows.get(closeOrderId) : undefined
  const exitKey = closed ? (exitRow !== undefined ? keys.order(exitRow) : keys.exitOrder(id)) : null
  const v2 = { v2_trade_id: idValue(id) }
  const extra: Record<string, unknown> = {
    ...v2,
    order_id: orderId,
    order_link_id: orderLinkId,
    close_order_id: closeOrderId,
    fee,
    model_score: modelScore,
    profit_probability: profitProbability,
    loss_probability: lossProbability,
    confidence,
    signal_id: signalId === null ? null : idValue(signalId),
    session_id: sessionId,
    user_id: userId,
  }
  extra.ml_data = jsonValue(mlData, extra, 'ml_data')

  const records: CanonicalRecord[] = []
  const rejects: Reject[] = []
  records.push({
    entity: 'round_trips',
    sourceKey: keys.trade(id),
    values: {
      exchange: 'bybit',
      symbol,
      raw_symbol: symbolRaw,
      direction: mapVocabulary(side.raw, DIRECTION).value,
      status: roundTripStatus,
      source_status: status.sourceStatus,
      entry_order_id: { ref: 'orders', sourceKey: entryKey },
      exit_order_id: exitKey === null ? null : { ref: 'orders', sourceKey: exitKey },
      signal_id: signalExists ? { ref: 'signals', sourceKey: keys.signal(signalId!) } : null,
      session_id: sessionExists ? { ref: 'trading_sessions', sourceKey: keys.session(sessionId!) } : null,
      quantity,
      open_rate: entryPrice,
      close_rate: closePrice,
      leverage,
      profit_abs: pnl,
      stop_loss: stopLoss,
      take_profit: takeProfit,
      strategy: modelName,
      opened_at: createdAt?.raw ?? null,
      closed_at: closedAt?.raw ?? null,
    },
    extra: buildExtra(r, extra),
    location,
  })

  if (entryRow === undefined) {
    records.push({
      entity: 'orders',
      sourceKey: entryKey,
      values: {
        round_trip_id: tradeRef,
        exchange: 'bybit',
        symbol,
        raw_symbol: symbolRaw,
        side: buySell,
        status: mapVocabulary(statusRaw, ENTRY_ORDER_STATUS, { fallback: 'rejected' }).value ?? 'rejected',
        source_status: status.sourceStatus,
        quantity,
        filled_quantity: opened ? quantity : '0',
        price: entryPrice,
        avg_price: opened ? entryPrice : null,
        leverage,
        exchange_order_id: orderId,
        client_order_id: orderLinkId,
        strategy: modelName,
        placed_at: createdAt?.raw ?? null,
        filled_at: opened ? (createdAt?.raw ?? null) : null,
      },
      extra: { ...v2, made_from: 'trades' },
      location,
    })
  }
  if (opened) {
    if (entryPrice === null || quantity === null) {
      rejects.push(
        rejectPart(
          context,
          id,
          entryPrice === null ? 'entry_price' : 'quantity',
          `the trade is ${status.sourceStatus} but has no ${entryPrice === null ? 'entry_price' : 'quantity'}, so its entry fill was not migrated (its round trip and entry order were); set it in the v2 database and run again.`,
        ),
      )
    } else {
      records.push({
        entity: 'fills',
        sourceKey: keys.entryFill(id),
        values: {
          order_id: { ref: 'orders', sourceKey: entryKey },
          exchange: 'bybit',
          symbol,
          side: buySell,
          price: entryPrice,
          quantity,
          executed_at: createdAt?.raw ?? null,
        },
        extra: v2,
        location,
      })
    }
  }
  if (closed) {
    const exitSide = buySell === 'buy' ? 'sell' : 'buy'
    const exitPrice = closePrice ?? entryPrice
    if (exitRow === undefined) {
      records.push({
        entity: 'orders',
        sourceKey: exitKey!,
        values: {
          round_trip_id: tradeRef,
          exchange: 'bybit',
          symbol,
          raw_symbol: symbolRaw,
          side: exitSide,
          status: 'filled',
          source_status: status.sourceStatus,
          quantity,
          filled_quantity: quantity,
          price: exitPrice,
          avg_price: exitPrice,
          leverage,
          exchange_order_id: closeOrderId,
          strategy: modelName,
          filled_at: closedAt?.raw ?? null,
          closed_at: closedAt?.raw ?? null,
        },
        extra: { ...v2, made_from: 'trades' },
        location,
      })
    }
    if (exitPrice === null || quantity === null) {
      rejects.push(
        rejectPart(
          context,
          id,
          exitPrice === null ? 'close_price' : 'quantity',
          `the trade is ${status.sourceStatus} but has ${exitPrice === null ? 'neither close_price nor entry_price' : 'no quantity'}, so its exit fill was not migrated (its round trip and exit order were); set it in the v2 database and run again.`,
        ),
      )
    } else {
      records.push({
        entity: 'fills',
        sourceKey: keys.exitFill(id),
        values: {
          order_id: { ref: 'orders', sourceKey: exitKey! },
          exchange: 'bybit',
          symbol,
          side: exitSide,
          price: exitPrice,
          quantity,
          realized_pnl: pnl,
          executed_at: closedAt?.raw ?? null,
        },
        extra: closePrice === null ? { ...v2, price_from: 'entry_price' } : v2,
        location,
      })
    }
  }
  return { records, rejects }
}
