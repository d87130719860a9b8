import type { FreqtradeRowReader } from './row-reader.js'

/** What a Freqtrade database holds, found from which tables and columns exist. */
export interface FreqtradeSchema {
  /** Columns of `trades`, in declaration order. */
  readonly trades: ReadonlySet<string>
  /** Columns of `orders`; absent before Freqtrade 2020.9. */
  readonly orders?: ReadonlySet<string>
  /** Columns of `trade_custom_data` (2024.3+). */
  readonly customData?: ReadonlySet<string>
  /** The `KeyValueStore` table's name as stored (2023.4+). */
  readonly keyValueStore?: string
  /** Columns of `wallet_history` (2026.4+). */
  readonly wallet?: ReadonlySet<string>
  /** Backup tables Freqtrade's migrations left (`trades_bak`, `orders_bak0`…): skipped. */
  readonly backupTables: ReadonlyArray<string>
  /** Tables this source does not migrate (`pairlocks`, anything a user added). */
  readonly otherTables: ReadonlyArray<string>
  /** The oldest Freqtrade release with this column set, e.g. `2024.3`; see {@link schemaGeneration}. */
  readonly generation: string
}

/** The tables this source reads (lower case). */
const MIGRATED = new Set(['trades', 'orders', 'trade_custom_data', 'keyvaluestore', 'wallet_history'])

/** Backup tables of Freqtrade's migrations: `trades_bak`, `trades_bak0`, `orders_bak12`, `KeyValueStore_bak0`. */
export const BACKUP_TABLE = /_bak\d*$/i

/**
 * Tables that belong to neither Freqtrade nor its user: ledgerport's own bookkeeping in a database
 * `ledgerport replicate` keeps (`ledgerport_replica_tables`, `ledgerport_replica_state_*`) and libSQL's
 * (`libsql_wasm_func_table`). Left out of the schema, unreported.
 */
export const INTERNAL_TABLE = /^(ledgerport|libsql)_/i

/**
 * Reads a database's tables and the columns of those this source reads, through any reader.
 *
 * @throws {Error} when there is no `trades` table: not a Freqtrade database.
 */
export async function loadSchema(reader: FreqtradeRowReader): Promise<FreqtradeSchema> {
  const tables = await reader.tables()
  const columns = new Map<string, string[]>()
  for (const table of tables)
    if (MIGRATED.has(table.toLowerCase())) columns.set(table, await reader.columns(table))
  return detectSchema(tables, columns)
}

/**
 * What a Freqtrade database holds, from its table names (SQLite's `sqlite_*` left out) and the column
 * names, in declaration order, of at least the tables this source reads.
 *
 * @throws {Error} when there is no `trades` table: not a Freqtrade database.
 */
export function detectSchema(
  allTables: ReadonlyArray<string>,
  columnsOf: ReadonlyMap<string, ReadonlyArray<string>>,
): FreqtradeSchema {
  const tables = allTables.filter((name) => !INTERNAL_TABLE.test(name))
  const byName = new Map(tables.map((name) => [name.toLowerCase(), name]))
  const columns = (table: string | undefined): Set<string> | undefined =>
    table === undefined ? undefined : new Set(columnsOf.get(table) ?? [])
  const trades = columns(byName.get('trades'))
  if (!trades) {
    throw new Error(
      `it has no trades table, so it is not a Freqtrade database (tables: ${tables.join(', ') || 'none'})`,
    )
  }
  const orders = columns(byName.get('orders'))
  const customData = columns(byName.get('trade_custom_data'))
  const wallet = columns(byName.get('wallet_history'))
  const keyValueStore = byName.get('keyvaluestore')
  const schema = {
    trades,
    ...(orders ? { orders } : {}),
    ...(customData ? { customData } : {}),
    ...(wallet ? { wallet } : {}),
    ...(keyValueStore ? { keyValueStore } : {}),
    backupTables: tables.filter((name) => BACKUP_TABLE.test(name)),
    otherTables: tables.filter((name) => !BACKUP_TABLE.test(name) && !MIGRATED.has(name.toLowerCase())),
  }
  return { ...schema, generation: schemaGeneration({ ...schema, tables: new Set(byName.keys()) }) }
}

/**
 * The first Freqtrade release whose models have these columns, newest first (from the column history
 * in Freqtrade's own repository). A database keeps the DDL of the release that created or last
 * rebuilt it, so this is the release that did, not necessarily the one that runs it.
 */
export function schemaGeneration(schema: {
  readonly trades: ReadonlySet<string>
  readonly orders?: ReadonlySet<string>
  readonly tables: ReadonlySet<string>
}): string {
  const t = (column: string) => schema.trades.has(column)
  const o = (column: string) => schema.orders?.has(column) ?? false
  const markers: ReadonlyArray<readonly [string, boolean]> = [
    ['2026.4', schema.tables.has('wallet_history')],
    ['2025.3', t('record_version')],
    ['2024.8', t('precision_mode_price')],
    ['2024.3', schema.tables.has('trade_custom_data')],
    ['2024.2', o('ft_order_tag')],
    ['2023.10', o('ft_cancel_reason') || t('funding_fee_running')],
    ['2023.9', t('is_stop_loss_trailing')],
    ['2023.4', schema.tables.has('keyvaluestore')],
    ['2023.1', o('ft_amount')],
    ['2022.12', t('max_stake_amount')],
    ['2022.9', o('funding_fee')],
    ['2022.8', t('realized_profit')],
    ['2022.6', o('stop_price')],
    ['2022.4', t('trading_mode') || t('is_short')],
    ['2022.2', o('ft_fee_base')],
    ['2021.8', t('buy_tag')],
    ['2021.5', o('average')],
    ['2020.12', t('open_trade_value')],
    ['2020.10', schema.tables.has('pairlocks')],
    ['2020.9', schema.orders !== undefined],
    ['2020.8', t('amount_requested')],
    ['2020.6', t('timeframe')],
    ['2020.5', t('fee_open_cost')],
    ['2020.3', t('close_profit_abs')],
    ['2020.01', t('open_trade_price')],
    ['0.18.5', t('min_rate')],
    ['0.17.1', t('sell_reason') || t('ticker_interval')],
    ['0.17.0', t('fee_open')],
    ['0.14.0', t('fee')],
  ]
  return markers.find(([, present]) => present)?.[0] ?? '0.11'
}
