import type { SqliteRow, SqliteValue } from './values.js'

/** A value bound to a `?` parameter. */
export type SqlParameter = number | bigint | string | null

/** A query and its `?` parameters, in order. */
export interface SqlStatement {
  /** The SQL text, SQLite's dialect. */
  readonly sql: string
  /** The values of its `?` parameters, in order. */
  readonly args: ReadonlyArray<SqlParameter>
}

/** A query run before a page's rows, in the same snapshot; its rows are handed over all at once. */
export interface SideQuery {
  /** The query. */
  readonly statement: SqlStatement
  /** Receives the side query's rows before the first row of the page is visited. */
  use(rows: SqliteRow[]): void
}

/**
 * How the Freqtrade streams read a database: a few queries, and keyset pages whose rows are handed
 * over one at a time. Values come in better-sqlite3's `safeIntegers` shapes (INTEGER as bigint, REAL
 * as number, TEXT as string, BLOB as Uint8Array) whatever the driver, and rows of
 * {@link FreqtradeRowReader.all} with its keys and key order, so the mapping cannot tell two readers
 * apart.
 *
 * A reader over a local file may hold one read transaction for a whole stream; a remote one cannot,
 * so each {@link FreqtradeRowReader.page} (with its side query) is its own consistent snapshot and
 * the streams resume by primary key.
 */
export interface FreqtradeRowReader {
  /** The database's table names in name order, SQLite's internal `sqlite_*` tables left out. */
  tables(): Promise<string[]>
  /** A table's column names in declaration order (`PRAGMA table_info`). */
  columns(table: string): Promise<string[]>
  /**
   * The result columns of a query, in order. A remote reader runs it, so give arguments that select
   * nothing (a `LIMIT` of 0).
   */
  resultColumns(statement: SqlStatement): Promise<string[]>
  /** Every row of a query that returns few rows. */
  all(statement: SqlStatement): Promise<SqliteRow[]>
  /**
   * Reads one page: the side query (when given) and then `rows`, in one snapshot. Each row's values,
   * in {@link resultColumns} order, go to `visit` as they are read; the array is the visitor's (the
   * reader keeps none), and is made an object only if the row is mapped.
   */
  page(rows: SqlStatement, visit: (values: SqliteValue[]) => void, side?: SideQuery): Promise<void>
}
