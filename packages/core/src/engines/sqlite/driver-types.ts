/**
 * The parts of better-sqlite3 ledgerport's public types name, as structural types: core's `.d.ts`
 * never imports `better-sqlite3`, so a project without it type-checks. A better-sqlite3 `Database`
 * fits; target-sqlite narrows it to the driver's own type for its prepared statements.
 */

/** A prepared statement. */
export interface SqliteStatement {
  run(...params: any[]): { changes: number; lastInsertRowid: number | bigint }
  get(...params: any[]): unknown
  all(...params: any[]): unknown[]
  iterate(...params: any[]): IterableIterator<unknown>
}

/** An open better-sqlite3 database. */
export interface SqliteDatabase {
  prepare(source: string): SqliteStatement
  exec(source: string): unknown
  pragma(source: string, options?: { simple?: boolean }): unknown
  close(): unknown
  readonly inTransaction: boolean
}
