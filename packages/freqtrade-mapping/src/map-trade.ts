import { type CanonicalRecord, describeValue, type Reject } from '@ledgerport/core'
import type { FieldIssue } from '@ledgerport/source-kit'
import {
  booleanOf,
  decimalOf,
  type ExtraBuilder,
  exitReasonOf,
  extraBuilder,
  extraOf,
  FieldError,
  instantOf,
  normalizePair,
  plain,
  type SqliteRow,
  textOf,
  timeframeOf,
} from './values.js'

/** The bot a record belongs to. */
export interface BotContext {
  /** The bot id, part of every source key. */
  readonly botId: string
  /** Where the database is, for locations: its file, or its URL without secrets. */
  readonly file: string
}

/** Source keys: unique per bot and table. */
export const keys = {
  bot: (botId: string) => `bot:${botId}`,
  trade: (botId: string, id: unknown) => `${botId}:trade:${String(id)}`,
  order: (botId: string, id: unknown) => `${botId}:order:${String(id)}`,
  fill: (botId: string, id: unknown) => `${botId}:fill:${String(id)}`,
  wallet: (botId: string, id: unknown) => `${botId}:wallet:${String(id)}`,
}

/**
 * `trades` columns copied unchanged into a canonical column; every other column goes to `extra`.
 * Renamed columns of older schemas (`fee`, `buy_tag`, `sell_reason`, `ticker_interval`) stay in
 * `extra` too, under their own name, so the row can be rebuilt.
 */
const CONSUMED = new Set([
  'is_open',
  'pair',
  'is_short',
  'fee_open',
  'fee_close',
  'open_rate',
  'close_rate',
  'stake_amount',
  'amount',
  'leverage',
  'close_profit',
  'close_profit_abs',
  'stop_loss',
  'strategy',
  'enter_tag',
  'open_date',
  'close_date',
])

/** `extra` of `trades` rows of a query with these columns (see {@link extraBuilder}). */
export function tradeExtra(columns: ReadonlyArray<string>): ExtraBuilder {
  return extraBuilder(columns, CONSUMED)
}

const anyTradeExtra: ExtraBuilder = (row, ...skip) => extraOf(row, CONSUMED, ...skip)

/** A `trade_custom_data` row, attached to its trade's round trip. */
export type CustomDataRow = SqliteRow

/**
 * One Freqtrade `trades` row → one `round_trips` record, for every schema generation:
 * `fee` (≤ 0.16) gives both fees, `buy_tag`/`sell_reason`/`ticker_interval` are read where
 * `enter_tag`/`exit_reason`/`timeframe` are missing, `timeframe` minutes become text (`5` → `5m`),
 * old exit-reason names are renamed, `BTC_ETC` becomes `ETC/BTC`, naive UTC times are UTC whatever
 * `--timezone` says. Trade custom data goes to `extra.custom_data`.
 */
export function mapTrade(
  row: SqliteRow,
  bot: BotContext,
  customData: ReadonlyArray<CustomDataRow>,
  extraOfRow: ExtraBuilder = anyTradeExtra,
): { record: CanonicalRecord } | { reject: Reject } {
  const id = String(plain(row.id))
  const location = { file: bot.file, table: 'trades', key: `id=${id}` }
  try {
    const rawPair = textOf(row, 'pair')
    if (rawPair === null || rawPair.trim() === '')
      throw new FieldError('pair', `${describeValue(plain(row.pair))} is not a pair`)
    const isOpen = booleanOf(row, 'is_open')
    if (isOpen === null) throw new FieldError('is_open', 'is NULL; a trade is open (1) or closed (0)')
    const isShort = booleanOf(row, 'is_short') ?? false
    const rawExchange = textOf(row, 'exchange')
    const exchange = rawExchange?.trim().toLowerCase() ?? null
    const fee = 'fee' in row ? decimalOf(row, 'fee') : undefined
    const rawExitReason = textOf(row, 'exit_reason') ?? textOf(row, 'sell_reason')
    const exitReason = exitReasonOf(rawExitReason)
    const rawTimeframe = row.timeframe ?? row.ticker_interval ?? null
    const timeframe = timeframeOf(rawTimeframe)
    // Raw values that equal their canonical value are not repeated in `extra`.
    const extra = extraOfRow(
      row,
      exchange === rawExchange ? 'exchange' : undefined,
      typeof rawTimeframe === 'string' && timeframe === rawTimeframe ? 'timeframe' : undefined,
      rawExitReason !== null && exitReason === rawExitReason ? 'exit_reason' : undefined,
    )
    if (customData.length) extra.custom_data = customDataOf(customData)
    const values = {
      bot_id: { ref: 'bots', sourceKey: keys.bot(bot.botId) },
      exchange,
      symbol: normalizePair(rawPair),
      raw_symbol: rawPair,
      direction: isShort ? 'short' : 'long',
      status: isOpen ? 'open' : 'closed',
      source_status: isOpen ? 'is_open=1' : 'is_open=0',
      entry_order_id:
        row.__entry_order != null
          ? { ref: 'orders', sourceKey: keys.order(bot.botId, row.__entry_order) }
          : null,
      exit_order_id:
        !isOpen && row.__exit_order != null
          ? { ref: 'orders', sourceKey: keys.order(bot.botId, row.__exit_order) }
          : null,
      quantity: decimalOf(row, 'amount'),
      open_rate: decimalOf(row, 'open_rate'),
      close_rate: decimalOf(row, 'close_rate'),
      stake_amount: decimalOf(row, 'stake_amount'),
      leverage: decimalOf(row, 'leverage'),
      fee_open: fee ?? decimalOf(row, 'fee_open'),
      fee_close: fee ?? decimalOf(row, 'fee_close'),
      profit_abs: decimalOf(row, 'close_profit_abs'),
      profit_ratio: decimalOf(row, 'close_profit'),
      stop_loss: decimalOf(row, 'stop_loss'),
      strategy: textOf(row, 'strategy'),
      timeframe,
      enter_tag: textOf(row, 'enter_tag') ?? textOf(row, 'buy_tag'),
      exit_reason: exitReason,
      opened_at: instantOf(row, 'open_date'),
      closed_at: instantOf(row, 'close_date'),
    } as const
    return {
      record: { entity: 'round_trips', sourceKey: keys.trade(bot.botId, id), values, extra, location },
    }
  } catch (error) {
    if (!(error instanceof FieldError)) throw error
    return { reject: rejectOf('round_trips', location, error, `trade ${id}`) }
  }
}

/** `trade_custom_data` rows as `{ key: { type, value, … } }`; the value stays the text Freqtrade stored. */
export function customDataOf(rows: ReadonlyArray<CustomDataRow>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const row of rows) {
    const key = String(plain(row.cd_key))
    out[key] = {
      id: plain(row.id),
      type: plain(row.cd_type),
      value: plain(row.cd_value),
      created_at: plain(row.created_at),
      updated_at: plain(row.updated_at),
    }
  }
  return out
}

/** A reject naming the source column, with what to do about it. */
export function rejectOf(
  entity: Reject['entity'],
  location: Reject['location'],
  issue: FieldIssue,
  what: string,
): Reject {
  return {
    ...(entity ? { entity } : {}),
    location,
    field: issue.field,
    reason: `${location.table}.${issue.field}: ${issue.reason}. Correct the value in the Freqtrade database (or leave ${what} out of the migration); the rest of the run is unaffected.`,
  }
}
