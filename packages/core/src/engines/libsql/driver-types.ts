/**
 * The parts of `@libsql/client` ledgerport uses, as structural types (the way Kysely's dialect
 * configs take a driver): core's public types never name the driver's own, so a project that does
 * not install `@libsql/client` still type-checks. A real `Client` from `createClient()` fits.
 */

/** A statement with positional or named arguments. */
export interface LibsqlStatement {
  readonly sql: string
  readonly args?: ReadonlyArray<unknown> | Readonly<Record<string, unknown>>
}

/** What `execute` returns. */
export interface LibsqlResultSet {
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ArrayLike<unknown>>
  readonly rowsAffected: number
  readonly lastInsertRowid: bigint | undefined
}

/** An interactive transaction of {@link LibsqlClient.transaction}. */
export interface LibsqlTransaction {
  execute(statement: any): Promise<LibsqlResultSet>
  commit(): Promise<void>
  rollback(): Promise<void>
  close(): void
}

/**
 * A libSQL client (`createClient({ url })` of `@libsql/client`).
 *
 * ```ts
 * import { createClient } from '@libsql/client'
 * const dialect = new LibsqlDialect({ client: createClient({ url: 'file:bot.db' }) })
 * ```
 */
export interface LibsqlClient {
  execute(statement: any): Promise<LibsqlResultSet>
  transaction(mode: 'write' | 'read' | 'deferred'): Promise<LibsqlTransaction>
  close(): void
}
