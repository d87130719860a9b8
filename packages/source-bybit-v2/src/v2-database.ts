import { existsSync } from 'node:fs'
import {
  connect,
  type DatabaseConnection,
  parseConnectionUrl,
  quoteIdentifier,
  redactUrl,
} from '@ledgerport/core'
import { sql } from 'kysely'

/** Options of the `bybit-v2` source (and of {@link V2Database.open}). */
export interface BybitV2Options {
  /** The v2 bot database: `postgres://user:password@host/db` or `sqlite:v2.db`. */
  readonly sourceUrl: string
  /** PostgreSQL schema holding the v2 tables. Default is the server's `search_path`. */
  readonly sourceSchema?: string
}

/** The tables of the v2 bot database, in the order their streams run. */
export const V2_TABLES = [
  'trading_sessions',
  'signals',
  'trades',
  'orders',
  'sltp_orders',
  'bybit_trade_history',
] as const

/** A table of the v2 bot database. */
export type V2Table = (typeof V2_TABLES)[number]

/** The columns of each v2 table the mapping reads (others go to `extra` as they are). */
export const V2_COLUMNS: Readonly<Record<V2Table, ReadonlyArray<string>>> = {
  trading_sessions: [
    'id',
    'session_id',
    'started_at',
    'ended_at',
    'status',
    'total_trades',
    'profitable_trades',
    'total_pnl',
    'max_drawdown',
    'win_rate',
    'config_snapshot',
    'error_count',
    'last_error',
    'metadata',
  ],
  signals: [
    'id',
    'symbol',
    'signal_type',
    'price',
    'timeframe',
    'indicators',
    'predictions',
    'model_name',
    'score',
    'raw_data',
    'status',
    'error_message',
    'created_at',
    'processed_at',
  ],
  trades: [
    'id',
    'symbol',
    'side',
    'status',
    'order_id',
    'order_link_id',
    'close_order_id',
    'entry_price',
    'close_price',
    'quantity',
    'leverage',
    'stop_loss',
    'take_profit',
    'pnl',
    'fee',
    'model_name',
    'model_score',
    'profit_probability',
    'loss_probability',
    'confidence',
    'session_id',
    'ml_data',
    'signal_id',
    'user_id',
    'created_at',
    'closed_at',
  ],
  orders: [
    'id',
    'trade_id',
    'order_id',
    'order_link_id',
    'symbol',
    'side',
    'order_type',
    'price',
    'qty',
    'status',
    'avg_price',
    'cum_exec_qty',
    'time_in_force',
    'reduce_only',
    'position_idx',
    'trigger_by',
    'sl_trigger_price',
    'tp_trigger_price',
    'sl_order_id',
    'tp_order_id',
    'is_sltp',
    'parent_order_id',
    'created_at',
    'updated_at',
  ],
  sltp_orders: [
    'id',
    'trade_id',
    'symbol',
    'side',
    'stop_loss_price',
    'take_profit_price',
    'sl_order_id',
    'tp_order_id',
    'status',
    'created_at',
    'updated_at',
    'attempts',
    'sl_trigger_by',
    'tp_trigger_by',
    'trailing_stop',
    'trailing_stop_price',
    'trailing_stop_activation_price',
    'trailing_callback',
    'is_breakeven',
    'partial_close_ratio',
    'partial_close_trigger',
    'original_stop_loss',
    'original_take_profit',
    'error_message',
    'extra_data',
  ],
  bybit_trade_history: [
    'id',
    'symbol',
    'order_id',
    'order_link_id',
    'side',
    'price',
    'qty',
    'fee',
    'fee_currency',
    'order_type',
    'stop_order_type',
    'created_time',
    'updated_time',
    'is_maker',
    'reduce_only',
    'close_on_trigger',
    'cum_exec_qty',
    'cum_exec_value',
    'cum_exec_fee',
    'trigger_price',
    'trigger_by',
    'imported_at',
  ],
}

/** A row of a v2 table as read: SQLite values as better-sqlite3 gives them, PostgreSQL values as text. */
export type V2Row = Readonly<Record<string, unknown>>

/** The columns of a table: name → declared type (lower case). */
export type V2Columns = ReadonlyMap<string, string>

/** The keyset-pagination key of every v2 table. */
export const V2_KEY = 'id'

/** Values per `IN (…)` lookup (PostgreSQL takes 65535 parameters, SQLite 32766). */
const LOOKUP_CHUNK = 10_000

/**
 * The v2 bot database, opened read-only: SQLite files with `readonly`, PostgreSQL sessions with
 * `default_transaction_read_only`. PostgreSQL values are read as text (`col::text`) in a session with
 * `extra_float_digits=3`, `DateStyle=ISO` and `TimeZone=UTC`, so NUMERIC keeps every digit, double
 * precision comes back as its shortest round-trip text, and times are ISO text.
 */
export class V2Database {
  /** The open connection. */
  readonly connection: DatabaseConnection
  /** The URL with its password replaced by `***`: safe to print. */
  readonly displayUrl: string
  /** The PostgreSQL schema, when one was chosen. */
  readonly schema: string | undefined
  readonly #columns = new Map<string, V2Columns | null>()
  readonly #lookups = new Map<string, string | null>()

  private constructor(connection: DatabaseConnection, displayUrl: string, schema: string | undefined) {
    this.connection = connection
    this.displayUrl = displayUrl
    this.schema = schema
  }

  /** Opens the database named by `options.sourceUrl`. */
  static async open(options: BybitV2Options): Promise<V2Database> {
    const url = options.sourceUrl?.trim()
    if (!url) throw new Error('--source-url is required: the v2 bot database (postgres://… or sqlite:v2.db).')
    const displayUrl = redactUrl(url)
    let connection: DatabaseConnection
    if (/^postgres(ql)?:\/\//i.test(url)) {
      connection = await connect(readOnlyPostgresUrl(url, options.sourceSchema), { poolSize: 2 })
    } else if (/^(sqlite:|file:)/i.test(url) || /\.(db|sqlite3?)$/i.test(url)) {
      if (options.sourceSchema)
        throw new Error('--source-schema only applies to PostgreSQL; a SQLite v2 database has no schemas.')
      const sqliteUrl = url.replace(/^file:/i, 'sqlite:')
      const { path } = parseConnectionUrl(sqliteUrl)
      if (path && path !== ':memory:' && !existsSync(path))
        throw new Error(`The v2 database file ${path} does not exist (--source-url ${displayUrl}).`)
      connection = await connect(sqliteUrl, { readonly: true })
    } else {
      throw new Error(
        `The v2 database URL "${displayUrl}" is neither PostgreSQL (postgres://user@host/db) nor SQLite (sqlite:v2.db).`,
      )
    }
    return new V2Database(connection, displayUrl, options.sourceSchema)
  }

  /** The engine: `postgres` or `sqlite`. */
  get kind(): 'postgres' | 'sqlite' {
    return this.connection.kind === 'postgres' ? 'postgres' : 'sqlite'
  }

  /** For a SQLite database: its file (for reject locations). */
  get file(): string | undefined {
    return this.connection.kind === 'postgres' ? undefined : this.connection.path
  }

  /** Where the tables are, for messages: the URL, and the schema when one was chosen. */
  get where(): string {
    return this.schema ? `${this.displayUrl} (schema ${this.schema})` : this.displayUrl
  }

  /** The columns of a table, or `null` when it does not exist. Cached. */
  async columns(table: string): Promise<V2Columns | null> {
    const cached = this.#columns.get(table)
    if (cached !== undefined) return cached
    const db = this.connection.db
    let rows: Array<{ name: string; type: string | null }>
    if (this.kind === 'postgres') {
      ;({ rows } = await sql<{ name: string; type: string }>`select a.attname as name,
          format_type(a.atttypid, a.atttypmod) as type
        from pg_attribute a
        where a.attrelid = to_regclass(${quoteIdentifier(table)}) and a.attnum > 0 and not a.attisdropped
        order by a.attnum`.execute(db))
    } else {
      ;({ rows } = await sql<{ name: string; type: string }>`select name, type
        from pragma_table_info(${table})`.execute(db))
    }
    const columns =
      rows.length === 0 ? null : new Map(rows.map((row) => [row.name, (row.type ?? '').toLowerCase()]))
    this.#columns.set(table, columns)
    return columns
  }

  /**
   * Up to `limit` rows of a table with `id` after `after` (all when `undefined`), in `id` order: every
   * column, or those of `only` the table has.
   */
  async page(
    table: string,
    after: number | string | undefined,
    limit: number,
    only?: ReadonlyArray<string>,
  ): Promise<V2Row[]> {
    const all = await this.columns(table)
    if (!all) throw new Error(`The v2 table ${table} is missing from ${this.where}.`)
    const columns = only ? new Map([...all].filter(([name]) => only.includes(name))) : all
    let query = this.connection.db
      .selectFrom(table)
      .select(this.#selectList(columns))
      // Qualified: a bare name in ORDER BY would mean the output column (text, on PostgreSQL).
      .orderBy(`${table}.${V2_KEY}`)
      .limit(limit)
    if (after !== undefined) query = query.where(V2_KEY, '>', after)
    return (await query.execute()) as V2Row[]
  }

  /** How many rows a table has. */
  async count(table: string): Promise<number> {
    const row = await this.connection.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst()
    return Number(row?.n ?? 0)
  }

  /**
   * For each of `values` found in `table.column`: the smallest `id` of the rows holding it, as text.
   * Values are compared as text (integer columns only with integer-looking values).
   */
  async minIds(table: string, column: string, values: Iterable<string>): Promise<Map<string, string>> {
    const found = new Map<string, string>()
    const columns = await this.columns(table)
    if (!columns?.has(column) || !columns.has(V2_KEY)) return found
    let wanted = [...new Set(values)]
    if (wanted.length === 0) return found
    if (this.kind === 'postgres' && isIntegerType(columns.get(column) ?? ''))
      wanted = wanted.filter((v) => /^-?\d{1,18}$/.test(v))
    const lookup = await this.#lookupTable(table, column)
    for (let start = 0; start < wanted.length; start += LOOKUP_CHUNK) {
      const chunk = wanted.slice(start, start + LOOKUP_CHUNK)
      const query = lookup
        ? sql<{
            v: unknown
            id: unknown
          }>`select v, id from temp.${sql.id(lookup)} where v in (${sql.join(chunk)})`
        : sql<{ v: unknown; id: unknown }>`select ${this.#asText(column)} as v,
            ${this.kind === 'postgres' ? sql`min(${sql.ref(V2_KEY)})::text` : sql`min(${sql.ref(V2_KEY)})`} as id
          from ${sql.table(table)}
          where ${sql.ref(column)} in (${sql.join(chunk)})
          group by ${sql.ref(column)}`
      const { rows } = await query.execute(this.connection.db)
      for (const row of rows) if (row.v !== null) found.set(String(row.v), String(row.id))
    }
    return found
  }

  /**
   * SQLite: for a column without an index (`orders.order_id` in the v2 schema), a TEMP table of
   * its values and their smallest `id`, indexed, built once per connection: one scan instead of one
   * per page. The database file is not touched (TEMP tables live apart, even on a read-only
   * connection). `null` when the column is indexed, or on PostgreSQL (read-only sessions create no
   * tables).
   */
  async #lookupTable(table: string, column: string): Promise<string | null> {
    if (this.kind !== 'sqlite' || column === V2_KEY) return null
    const key = `${table}.${column}`
    const cached = this.#lookups.get(key)
    if (cached !== undefined) return cached
    const db = this.connection.db
    const { rows } = await sql`select 1 as found from pragma_index_list(${table}) l
      join pragma_index_info(l.name) i where i.seqno = 0 and i.name = ${column} limit 1`.execute(db)
    let name: string | null = null
    if (rows.length === 0) {
      name = `ledgerport_lookup_${this.#lookups.size + 1}`
      await sql`create temp table ${sql.id(name)} as select ${sql.ref(column)} as v, min(${sql.ref(V2_KEY)}) as id
        from main.${sql.table(table)} where ${sql.ref(column)} is not null group by ${sql.ref(column)}`.execute(
        db,
      )
      await sql`create index temp.${sql.id(`${name}_v`)} on ${sql.id(name)} (v)`.execute(db)
    }
    this.#lookups.set(key, name)
    return name
  }

  /**
   * Rows of `table` whose `column` is one of `values`, in `id` order, with the given columns
   * (missing ones are left out).
   */
  async rowsWhereIn(
    table: string,
    column: string,
    values: Iterable<string>,
    select: ReadonlyArray<string>,
  ): Promise<V2Row[]> {
    const columns = await this.columns(table)
    if (!columns?.has(column)) return []
    const present = new Map([...columns].filter(([name]) => select.includes(name)))
    const wanted = [...new Set(values)]
    const out: V2Row[] = []
    for (let start = 0; start < wanted.length; start += LOOKUP_CHUNK) {
      const chunk = wanted.slice(start, start + LOOKUP_CHUNK)
      const rows = await this.connection.db
        .selectFrom(table)
        .select(this.#selectList(present))
        .where(column, 'in', chunk)
        .orderBy(`${table}.${V2_KEY}`)
        .execute()
      out.push(...(rows as V2Row[]))
    }
    return out
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.connection.close()
  }

  #asText(column: string) {
    return this.kind === 'postgres' ? sql`${sql.ref(column)}::text` : sql.ref(column)
  }

  #selectList(columns: V2Columns) {
    return [...columns.keys()].map((name) => sql`${this.#asText(name)}`.as(name))
  }
}

/** Whether a declared column type is an integer type. */
export function isIntegerType(type: string): boolean {
  return /^(integer|int|int2|int4|int8|bigint|smallint|serial|bigserial)$/.test(type.trim())
}

/**
 * Adds the session settings the source relies on to a PostgreSQL URL's `options` parameter (which
 * node-postgres gives precedence over its own `options`, so the schema goes there too).
 */
export function readOnlyPostgresUrl(url: string, schema?: string): string {
  const parsed = new URL(url)
  const settings = [
    '-c default_transaction_read_only=on',
    '-c extra_float_digits=3',
    '-c DateStyle=ISO',
    '-c TimeZone=UTC',
    '-c IntervalStyle=postgres',
  ]
  if (schema) settings.push(`-c search_path=${quoteIdentifier(schema).replace(/([\\ ])/g, '\\$1')}`)
  const existing = parsed.searchParams.get('options')
  parsed.searchParams.set('options', [existing, ...settings].filter(Boolean).join(' '))
  return parsed.toString()
}
