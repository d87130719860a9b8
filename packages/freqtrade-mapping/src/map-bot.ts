import type { CanonicalRecord, JsonValue, Reject } from '@ledgerport/core'
import { type BotContext, customDataOf, keys, rejectOf } from './map-trade.js'
import type { FreqtradeRowReader } from './row-reader.js'
import type { FreqtradeSchema } from './schema.js'
import {
  decimalOf,
  extraOf,
  FieldError,
  instantOf,
  integerOf,
  plain,
  type SqliteRow,
  textOf,
} from './values.js'

/** What the bot stream needs to know beyond the schema. */
export interface BotFacts extends BotContext {
  /** A dry-run bot (`bots.dry_run`). */
  readonly dryRun: boolean
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

/**
 * The bot's one `bots` record: its exchange, strategy, stake currency and trading mode from its
 * newest trade, `dry_run` from the file name, `KeyValueStore` values (`bot_start_time`,
 * `startup_time`, …) and global custom data in `config`; the schema generation and the tables not
 * migrated in `extra`. Nothing in it changes unless the bot does, so an unchanged bot is `unchanged`.
 */
export async function readBot(
  reader: FreqtradeRowReader,
  schema: FreqtradeSchema,
  bot: BotFacts,
): Promise<{ record: CanonicalRecord; rejects: Reject[] }> {
  const t = (column: string) => schema.trades.has(column)
  const [latest] = await reader.all({
    sql: `SELECT exchange${t('strategy') ? ', strategy' : ''}${t('stake_currency') ? ', stake_currency' : ''}${t('trading_mode') ? ', trading_mode' : ''} FROM trades ORDER BY id DESC LIMIT 1`,
    args: [],
  })
  const distinct = async (column: string) =>
    (
      await reader.all({
        sql: `SELECT DISTINCT ${column} AS value FROM trades WHERE ${column} IS NOT NULL ORDER BY 1`,
        args: [],
      })
    ).map((row) => plain(row.value))
  const exchanges = [...new Set(await distinct('lower(exchange)'))]
  const strategies = t('strategy') ? await distinct('strategy') : []
  const rejects: Reject[] = []
  const keyValues: Record<string, unknown> = {}
  if (schema.keyValueStore) {
    const rows = await reader.all({
      sql: `SELECT * FROM ${quote(schema.keyValueStore)} ORDER BY id`,
      args: [],
    })
    for (const row of rows) {
      const location = { file: bot.file, table: schema.keyValueStore, key: `id=${String(plain(row.id))}` }
      try {
        keyValues[String(plain(row.key))] = keyValue(row)
      } catch (error) {
        if (!(error instanceof FieldError)) throw error
        rejects.push(rejectOf('bots', location, error, 'this value'))
      }
    }
  }
  const globalData = schema.customData
    ? await reader.all({
        sql: 'SELECT * FROM trade_custom_data WHERE ft_trade_id IS NULL OR ft_trade_id = 0 ORDER BY id',
        args: [],
      })
    : []
  const config: Record<string, unknown> = {}
  if (latest && t('stake_currency')) config.stake_currency = plain(latest.stake_currency)
  if (latest && t('trading_mode')) config.trading_mode = plain(latest.trading_mode)
  if (Object.keys(keyValues).length) config.key_value_store = keyValues
  if (globalData.length) config.custom_data = customDataOf(globalData)
  return {
    record: {
      entity: 'bots',
      sourceKey: keys.bot(bot.botId),
      values: {
        instance_id: bot.botId,
        name: bot.botId,
        exchange: latest ? (textOf(latest, 'exchange')?.trim().toLowerCase() ?? null) : null,
        strategy: latest ? textOf(latest, 'strategy') : null,
        dry_run: bot.dryRun,
        config: config as JsonValue,
      },
      extra: {
        database: bot.file,
        freqtrade_schema: schema.generation,
        ...(exchanges.length > 1 ? { exchanges } : {}),
        ...(strategies.length > 1 ? { strategies } : {}),
        ...(schema.otherTables.length ? { tables_not_migrated: schema.otherTables } : {}),
      },
      location: { file: bot.file, table: 'trades' },
    },
    rejects,
  }
}

/** A `KeyValueStore` row's value, by its `value_type` (`str`, `datetime` as UTC, `float` exact, `int`). */
function keyValue(row: SqliteRow): unknown {
  switch (plain(row.value_type)) {
    case 'str':
      return textOf(row, 'string_value')
    case 'datetime':
      return instantOf(row, 'datetime_value')
    case 'float':
      return decimalOf(row, 'float_value')
    case 'int':
      return integerOf(row.int_value)
    default:
      return extraOf(row, new Set(['id', 'key']))
  }
}

/** `wallet_history` columns copied unchanged into a canonical column. */
const WALLET_CONSUMED = new Set(['currency', 'balance', 'timestamp'])

/** One `wallet_history` row (a daily wallet snapshot, Freqtrade 2026.4+) → a `balances` record. */
export function mapWallet(
  row: SqliteRow,
  bot: BotContext,
  exchange: string | null,
): { record: CanonicalRecord } | { reject: Reject } {
  const id = String(plain(row.id))
  const location = { file: bot.file, table: 'wallet_history', key: `id=${id}` }
  try {
    const currency = textOf(row, 'currency')
    if (currency === null || currency.trim() === '') throw new FieldError('currency', 'is empty')
    return {
      record: {
        entity: 'balances',
        sourceKey: keys.wallet(bot.botId, id),
        values: {
          bot_id: { ref: 'bots', sourceKey: keys.bot(bot.botId) },
          exchange,
          currency,
          total: decimalOf(row, 'balance'),
          as_of: instantOf(row, 'timestamp'),
        },
        extra: extraOf(row, WALLET_CONSUMED),
        location,
      },
    }
  } catch (error) {
    if (!(error instanceof FieldError)) throw error
    return { reject: rejectOf('balances', location, error, `wallet row ${id}`) }
  }
}
