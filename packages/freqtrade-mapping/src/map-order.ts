import {
  type CanonicalRecord,
  compareDecimals,
  describeValue,
  mapVocabulary,
  type Reject,
} from '@ledgerport/core'
import { type BotContext, keys, rejectOf } from './map-trade.js'
import {
  baseCurrency,
  booleanOf,
  decimalOf,
  type ExtraBuilder,
  extraBuilder,
  extraOf,
  FieldError,
  instantOf,
  normalizePair,
  plain,
  type SqliteRow,
  textOf,
} from './values.js'

/** CCXT order statuses (Freqtrade stores what the exchange said) → canonical order status. */
export const ORDER_STATUS = {
  open: 'open',
  closed: 'filled',
  canceled: 'cancelled',
  cancelled: 'cancelled',
  expired: 'expired',
  rejected: 'rejected',
} as const

/** CCXT/Freqtrade order types → canonical order type; stoploss orders become `stop`/`stop_limit`. */
export const ORDER_TYPE = {
  limit: 'limit',
  market: 'market',
  stop: 'stop',
  stop_market: 'stop',
  stop_loss: 'stop',
  stop_limit: 'stop_limit',
  stop_loss_limit: 'stop_limit',
  take_profit: 'take_profit',
  take_profit_limit: 'take_profit_limit',
} as const

const SIDES = { buy: 'buy', sell: 'sell' } as const

/** `orders` columns copied unchanged into a canonical column; the rest goes to `extra`. */
const CONSUMED = new Set([
  'ft_pair',
  'order_id',
  'status',
  'order_type',
  'price',
  'average',
  'amount',
  'filled',
  'stop_price',
  'order_date',
  'order_filled_date',
  'order_update_date',
  'ft_order_tag',
])

/** `extra` of `orders` rows of a query with these columns (see {@link extraBuilder}). */
export function orderExtra(columns: ReadonlyArray<string>): ExtraBuilder {
  return extraBuilder(columns, CONSUMED)
}

const anyOrderExtra: ExtraBuilder = (row, ...skip) => extraOf(row, CONSUMED, ...skip)

/**
 * One Freqtrade `orders` row → an `orders` record, plus a `fills` record for its filled amount at its
 * average price when it filled anything. The side is CCXT's `side`; where it is missing it comes from
 * `ft_order_side` (`buy`/`sell`), and a `stoploss` order closes the trade: `sell` for a long, `buy`
 * for a short. An order whose trade does not exist (orphan) is kept, without a round trip.
 */
export function mapOrder(
  row: SqliteRow,
  bot: BotContext,
  extraOfRow: ExtraBuilder = anyOrderExtra,
): { records: CanonicalRecord[]; rejects: Reject[]; orphan: boolean } {
  const id = String(plain(row.id))
  const location = { file: bot.file, table: 'orders', key: `id=${id}` }
  const orphan = row.__trade_id === null || row.__trade_id === undefined
  try {
    const rawPair = textOf(row, 'ft_pair') ?? textOf(row, 'symbol')
    if (rawPair === null || rawPair.trim() === '')
      throw new FieldError('ft_pair', `${describeValue(plain(row.ft_pair))} is not a pair`)
    const ftSide = textOf(row, 'ft_order_side')
    const isShort = booleanOf(row, '__is_short') ?? false
    const ccxtSide = mapVocabulary(textOf(row, 'side'), SIDES).value
    const side =
      ccxtSide ??
      (ftSide === 'buy' || ftSide === 'sell'
        ? ftSide
        : ftSide === 'stoploss'
          ? isShort
            ? 'buy'
            : 'sell'
          : null)
    if (side === null)
      throw new FieldError(
        'ft_order_side',
        `${describeValue(ftSide)} with side ${describeValue(plain(row.side))} gives no buy or sell`,
      )
    const rawStatus = textOf(row, 'status')
    const ftIsOpen = booleanOf(row, 'ft_is_open')
    const filled = decimalOf(row, 'filled')
    const hasFill = filled !== null && compareDecimals(filled, '0') > 0
    const mapped = mapVocabulary(rawStatus, ORDER_STATUS)
    if (rawStatus !== null && rawStatus.trim() !== '' && !mapped.known)
      throw new FieldError(
        'status',
        `${describeValue(rawStatus)} is not a CCXT order status (open, closed, canceled, cancelled, expired, rejected)`,
      )
    const status = mapped.value ?? (ftIsOpen ? 'open' : hasFill ? 'filled' : 'cancelled')
    const rawType = textOf(row, 'order_type')
    const type = mapVocabulary(rawType, ORDER_TYPE).value ?? rawType?.trim().toLowerCase() ?? null
    const orderType =
      ftSide === 'stoploss' && (type === null || type === 'market' || type === 'limit')
        ? type === 'limit'
          ? 'stop_limit'
          : 'stop'
        : type
    const price = decimalOf(row, 'price') ?? decimalOf(row, 'ft_price')
    const average = decimalOf(row, 'average')
    const updatedAt = instantOf(row, 'order_update_date')
    const filledAt = instantOf(row, 'order_filled_date')
    const extra = extraOfRow(row, ccxtSide !== null && ccxtSide === row.side ? 'side' : undefined)
    const orderKey = keys.order(bot.botId, id)
    const pair = normalizePair(rawPair)
    const exchange = textOf(row, '__exchange')?.trim().toLowerCase() ?? null
    const records: CanonicalRecord[] = [
      {
        entity: 'orders',
        sourceKey: orderKey,
        values: {
          bot_id: { ref: 'bots', sourceKey: keys.bot(bot.botId) },
          round_trip_id: orphan
            ? null
            : { ref: 'round_trips', sourceKey: keys.trade(bot.botId, plain(row.__trade_id)) },
          exchange,
          symbol: pair,
          raw_symbol: rawPair,
          side,
          order_type: orderType,
          source_type: rawType,
          status,
          source_status: mapped.sourceStatus,
          quantity: decimalOf(row, 'amount') ?? decimalOf(row, 'ft_amount'),
          filled_quantity: filled,
          price,
          avg_price: average,
          stop_price: decimalOf(row, 'stop_price'),
          exchange_order_id: textOf(row, 'order_id'),
          strategy: textOf(row, '__strategy'),
          reason: textOf(row, 'ft_order_tag'),
          placed_at: instantOf(row, 'order_date'),
          filled_at: filledAt,
          closed_at: status === 'open' ? null : (updatedAt ?? filledAt),
          updated_at: updatedAt,
        },
        extra,
        location,
      },
    ]
    const rejects: Reject[] = []
    if (hasFill) {
      const fillPrice = average ?? price
      if (fillPrice === null) {
        rejects.push({
          entity: 'fills',
          location,
          field: 'average',
          reason: `orders.average: order ${id} filled ${filled} but has no average or price, so its fill cannot be priced; the order itself is migrated.`,
        })
      } else {
        records.push({
          entity: 'fills',
          sourceKey: keys.fill(bot.botId, id),
          values: {
            order_id: { ref: 'orders', sourceKey: orderKey },
            exchange,
            symbol: pair,
            side,
            price: fillPrice,
            quantity: filled,
            fee: decimalOf(row, 'ft_fee_base'),
            fee_currency: row.ft_fee_base != null ? baseCurrency(pair) : null,
            executed_at: filledAt ?? updatedAt ?? instantOf(row, 'order_date'),
          },
          location,
        })
      }
    }
    return { records, rejects, orphan }
  } catch (error) {
    if (!(error instanceof FieldError)) throw error
    return { records: [], rejects: [rejectOf('orders', location, error, `order ${id}`)], orphan }
  }
}
