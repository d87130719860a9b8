/** Every canonical table, in dependency order (a table only references tables before it, or itself). */
export const ENTITIES = [
  'users',
  'bots',
  'strategies',
  'trading_sessions',
  'signals',
  'round_trips',
  'orders',
  'fills',
  'positions',
  'protective_orders',
  'exchange_executions',
  'portfolio_snapshots',
  'balances',
] as const

/** A canonical table name. */
export type EntityName = (typeof ENTITIES)[number]

/** Sides of an order, fill or position. */
export const SIDES = ['buy', 'sell'] as const
/** Order statuses; partial fills are `open` with `filled_quantity`. */
export const ORDER_STATUSES = ['pending', 'open', 'filled', 'cancelled', 'rejected', 'expired'] as const
/** Round-trip statuses. */
export const ROUND_TRIP_STATUSES = ['open', 'closed', 'cancelled', 'failed'] as const
/** Round-trip directions. */
export const DIRECTIONS = ['long', 'short'] as const
/** Position statuses. */
export const POSITION_STATUSES = ['open', 'closed'] as const

/**
 * How a canonical column is stored and validated.
 * - `text`, `integer`, `boolean`: as named (booleans are 0/1 in SQLite).
 * - `decimal`: an exact decimal string; NUMERIC in PostgreSQL, TEXT in SQLite/libSQL.
 * - `instant`: a UTC instant; TIMESTAMPTZ in PostgreSQL, ISO-8601 `Z` text in SQLite/libSQL.
 * - `json`: any JSON value; JSONB in PostgreSQL, TEXT in SQLite/libSQL.
 * - `ref`: the id (uuid) of a row of `ref`; a source gives an {@link EntityRef} and the engine computes the id.
 * - `vocab`: text restricted to `vocabulary` (a CHECK constraint in PostgreSQL).
 */
export type ColumnType = 'text' | 'integer' | 'boolean' | 'decimal' | 'instant' | 'json' | 'ref' | 'vocab'

/** One column of a canonical table. */
export interface ColumnSpec {
  /** Column name (lower_snake). */
  readonly name: string
  /** Storage and validation type. */
  readonly type: ColumnType
  /** For `ref`: the referenced table. */
  readonly ref?: EntityName
  /** For `vocab`: the allowed values. */
  readonly vocabulary?: ReadonlyArray<string>
  /** The record is rejected when this column is missing. Default is `false`. */
  readonly required?: boolean
}

const text = <N extends string, R extends boolean = false>(name: N, required?: R) =>
  ({ name, type: 'text', required: (required ?? false) as R }) as const
const decimal = <N extends string, R extends boolean = false>(name: N, required?: R) =>
  ({ name, type: 'decimal', required: (required ?? false) as R }) as const
const instant = <N extends string, R extends boolean = false>(name: N, required?: R) =>
  ({ name, type: 'instant', required: (required ?? false) as R }) as const
const integer = <N extends string>(name: N) => ({ name, type: 'integer' }) as const
const boolean = <N extends string>(name: N) => ({ name, type: 'boolean' }) as const
const json = <N extends string>(name: N) => ({ name, type: 'json' }) as const
const ref = <N extends string, T extends EntityName>(name: N, target: T) =>
  ({ name, type: 'ref', ref: target }) as const
const vocab = <N extends string, V extends string, R extends boolean = false>(
  name: N,
  vocabulary: ReadonlyArray<V>,
  required?: R,
) => ({ name, type: 'vocab', vocabulary, required: (required ?? false) as R }) as const

/**
 * The columns of each canonical table, besides the common ones every row has
 * ({@link COMMON_COLUMNS}), typed exactly: the record types of each table
 * ({@link EntityValues}, `CanonicalRecord<'orders'>`) are derived from it, so they cannot drift.
 * Core columns are never renamed; add new ones at the end.
 */
export const ENTITY_COLUMN_SPECS = {
  users: [
    text('external_id'),
    text('email'),
    text('name'),
    text('role'),
    decimal('paper_balance'),
    // 003: how seed 003's app finds a user (Firebase Authentication's uid).
    text('firebase_uid'),
  ],
  bots: [
    text('instance_id'),
    ref('user_id', 'users'),
    text('name'),
    text('exchange'),
    text('strategy'),
    boolean('dry_run'),
    text('status'),
    json('config'),
  ],
  strategies: [
    ref('user_id', 'users'),
    text('name', true),
    text('version'),
    text('timeframe'),
    json('config'),
  ],
  trading_sessions: [
    ref('user_id', 'users'),
    ref('bot_id', 'bots'),
    text('name'),
    text('status'),
    text('source_status'),
    decimal('starting_balance'),
    decimal('ending_balance'),
    instant('started_at'),
    instant('ended_at'),
  ],
  signals: [
    ref('user_id', 'users'),
    ref('bot_id', 'bots'),
    text('strategy'),
    text('symbol'),
    vocab('side', SIDES),
    text('signal_type'),
    decimal('confidence'),
    text('model_name'),
    decimal('model_score'),
    json('indicators'),
    json('ml_predictions'),
    json('raw_data'),
    text('status'),
    text('source_status'),
    text('error_message'),
    integer('processing_ms'),
    instant('created_at'),
    instant('processed_at'),
  ],
  round_trips: [
    ref('user_id', 'users'),
    ref('bot_id', 'bots'),
    text('exchange'),
    text('symbol', true),
    text('raw_symbol'),
    vocab('direction', DIRECTIONS),
    vocab('status', ROUND_TRIP_STATUSES, true),
    text('source_status'),
    ref('entry_order_id', 'orders'),
    ref('exit_order_id', 'orders'),
    ref('signal_id', 'signals'),
    ref('session_id', 'trading_sessions'),
    decimal('quantity'),
    decimal('open_rate'),
    decimal('close_rate'),
    decimal('stake_amount'),
    decimal('leverage'),
    decimal('fee_open'),
    decimal('fee_close'),
    decimal('profit_abs'),
    decimal('profit_ratio'),
    decimal('stop_loss'),
    decimal('take_profit'),
    text('strategy'),
    text('timeframe'),
    text('enter_tag'),
    text('exit_reason'),
    instant('opened_at'),
    instant('closed_at'),
  ],
  orders: [
    ref('user_id', 'users'),
    ref('bot_id', 'bots'),
    ref('round_trip_id', 'round_trips'),
    ref('parent_order_id', 'orders'),
    text('exchange'),
    text('symbol', true),
    text('raw_symbol'),
    vocab('side', SIDES, true),
    text('order_type'),
    text('source_type'),
    vocab('status', ORDER_STATUSES, true),
    text('source_status'),
    decimal('quantity'),
    decimal('filled_quantity'),
    decimal('price'),
    decimal('avg_price'),
    decimal('stop_price'),
    text('trigger_by'),
    text('time_in_force'),
    boolean('reduce_only'),
    integer('position_idx'),
    decimal('leverage'),
    text('exchange_order_id'),
    text('client_order_id'),
    text('strategy'),
    text('reason'),
    instant('placed_at'),
    instant('filled_at'),
    instant('closed_at'),
    instant('updated_at'),
  ],
  fills: [
    ref('order_id', 'orders'),
    ref('user_id', 'users'),
    text('exchange'),
    text('symbol', true),
    vocab('side', SIDES, true),
    decimal('price', true),
    decimal('quantity', true),
    decimal('fee'),
    text('fee_currency'),
    boolean('is_maker'),
    decimal('realized_pnl'),
    text('exchange_fill_id'),
    instant('executed_at'),
  ],
  positions: [
    ref('user_id', 'users'),
    ref('bot_id', 'bots'),
    text('exchange'),
    text('symbol', true),
    text('raw_symbol'),
    vocab('side', SIDES),
    decimal('quantity'),
    decimal('avg_price'),
    decimal('unrealized_pnl'),
    decimal('realized_pnl'),
    vocab('status', POSITION_STATUSES),
    instant('opened_at'),
    instant('closed_at'),
  ],
  protective_orders: [
    ref('round_trip_id', 'round_trips'),
    ref('order_id', 'orders'),
    ref('user_id', 'users'),
    text('exchange'),
    text('symbol'),
    text('kind'),
    text('status'),
    text('source_status'),
    decimal('trigger_price'),
    decimal('quantity'),
    text('exchange_order_id'),
    instant('created_at'),
    instant('updated_at'),
  ],
  exchange_executions: [
    ref('user_id', 'users'),
    ref('order_id', 'orders'),
    text('exchange'),
    text('symbol'),
    vocab('side', SIDES),
    text('order_type'),
    text('exchange_order_id'),
    text('exchange_execution_id'),
    decimal('price'),
    decimal('quantity'),
    decimal('fee'),
    text('fee_currency'),
    decimal('realized_pnl'),
    instant('executed_at'),
  ],
  portfolio_snapshots: [
    ref('user_id', 'users'),
    ref('bot_id', 'bots'),
    text('currency'),
    decimal('total_value'),
    decimal('cash'),
    decimal('positions_value'),
    decimal('realized_pnl'),
    decimal('unrealized_pnl'),
    json('holdings'),
    instant('taken_at'),
  ],
  balances: [
    ref('user_id', 'users'),
    ref('bot_id', 'bots'),
    text('exchange'),
    text('currency', true),
    decimal('total'),
    decimal('free'),
    decimal('used'),
    instant('as_of'),
  ],
} as const satisfies Readonly<Record<EntityName, ReadonlyArray<ColumnSpec>>>

/**
 * The columns of each canonical table, besides the common ones every row has
 * ({@link COMMON_COLUMNS}): {@link ENTITY_COLUMN_SPECS} as plain column specs, to iterate.
 */
export const ENTITY_COLUMNS: Readonly<Record<EntityName, ReadonlyArray<ColumnSpec>>> = ENTITY_COLUMN_SPECS

/**
 * Columns every canonical row has. `id` is the UUIDv5 of (entity, source, source_key), so references
 * are computed without lookups and stay stable across runs and targets; `(source, source_key)` is
 * unique; `row_hash` is a hash of the canonical content (key order independent) that decides whether a
 * re-run rewrites the row; `extra` keeps every source field no column takes; `source_stream` names the
 * source stream that wrote it (for `rollback --source NAME --stream STREAM`).
 */
export const COMMON_COLUMNS: ReadonlyArray<ColumnSpec> = [
  { name: 'id', type: 'text', required: true },
  { name: 'source', type: 'text', required: true },
  { name: 'source_key', type: 'text', required: true },
  { name: 'first_run_id', type: 'text', required: true },
  { name: 'last_run_id', type: 'text', required: true },
  { name: 'row_hash', type: 'text', required: true },
  { name: 'extra', type: 'json' },
  { name: 'source_stream', type: 'text' },
]

/** The JS values a source may give a column of each type (`null` or absent: NULL). */
interface ColumnInput {
  text: string
  decimal: string | number | bigint
  instant: string | Date | number | bigint
  integer: number | bigint | string
  boolean: boolean
  json: JsonInput
}

/** A value a `json` column takes: anything JSON holds. */
export type JsonInput =
  | string
  | number
  | boolean
  | null
  | ReadonlyArray<JsonInput>
  | { readonly [key: string]: JsonInput | undefined }

/** What a source gives one column, from its spec: a vocabulary's words, a reference to its table. */
export type ColumnValue<C> = C extends { type: 'vocab'; vocabulary: ReadonlyArray<infer V> }
  ? V
  : C extends { type: 'ref'; ref: infer T }
    ? { readonly ref: T; readonly sourceKey: string; readonly source?: string }
    : C extends { type: infer K extends keyof ColumnInput }
      ? ColumnInput[K]
      : never

type SpecOf<E extends EntityName> = (typeof ENTITY_COLUMN_SPECS)[E][number]

/**
 * The `values` of a record of table `E`, derived from {@link ENTITY_COLUMN_SPECS}: every column by
 * name with the JS types it takes. Required columns must be given (`null` when the source has no
 * value: the record is then rejected as missing it); the others may be left out (NULL).
 *
 * ```ts
 * const values: EntityValues<'fills'> = {
 *   symbol: 'TCS', side: 'buy', price: '3900.05', quantity: '10',
 *   order_id: { ref: 'orders', sourceKey: 'order:42' }, executed_at: '2026-03-02 09:15:00',
 * }
 * ```
 */
export type EntityValues<E extends EntityName> = {
  readonly [C in SpecOf<E> as C extends { required: true } ? C['name'] : never]: ColumnValue<C> | null
} & {
  readonly [C in SpecOf<E> as C extends { required: true } ? never : C['name']]?: ColumnValue<C> | null
}
