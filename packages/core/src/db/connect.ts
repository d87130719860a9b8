import type { Kysely, LogEvent } from 'kysely'
import type { EngineCapabilities } from '../engines/capabilities.js'
import { capabilitiesOf, engineOf } from '../engines/index.js'
import type { PostgresClient } from '../engines/postgres/driver-types.js'
import type { SqliteDatabase } from '../engines/sqlite/driver-types.js'
import type { ConnectOptions } from './connect-options.js'
import { type DatabaseKind, parseConnectionUrl, redactUrl, urlSecrets } from './connection-url.js'

export type { ConnectOptions } from './connect-options.js'
export { quoteIdentifier } from './quote-identifier.js'

/** Something that wants to see every query a connection runs (plan rehearsal, error reports). */
export type QueryListener = (event: LogEvent) => void

/** An open database: a Kysely instance plus what ledgerport needs to know about it. */
export interface DatabaseConnection {
  /** The engine. */
  readonly kind: DatabaseKind
  /** What the engine can do: ask this instead of comparing {@link DatabaseConnection.kind}. */
  readonly capabilities: EngineCapabilities
  /** The Kysely instance. Untyped: ledgerport works on databases it does not know at compile time. */
  readonly db: Kysely<any>
  /** The URL with secrets redacted: safe to print. */
  readonly displayUrl: string
  /** The URL as given. Never print it. */
  readonly url: string
  /** For local SQLite and libSQL files: the file path. */
  readonly path?: string
  /** Strings that must never reach output (passwords, tokens). */
  readonly secrets: ReadonlyArray<string>
  /** The PostgreSQL schema in use, when one was chosen. */
  readonly schema?: string
  /**
   * PostgreSQL only: the node-postgres client behind `db` (a transaction or pinned connection), for
   * what Kysely does not do (COPY). Undefined on other engines.
   */
  readonly postgresClient?: (db: Kysely<any>) => Promise<PostgresClient>
  /**
   * SQLite (`sqlite:`) only: the better-sqlite3 database behind `db`, for prepared statements in hot
   * loops. It is the same single connection Kysely uses, so it sees (and joins) Kysely's open transaction.
   */
  readonly sqliteDatabase?: SqliteDatabase
  /** Subscribes to every query run on this connection; returns the unsubscribe function. */
  onQuery(listener: QueryListener): () => void
  /** Closes the connection (and its pool). */
  close(): Promise<void>
}

/**
 * Opens a database by URL: `postgres://…` (node-postgres pool), `sqlite:PATH` (better-sqlite3),
 * `file:PATH`, `libsql://…`, `http(s)://…` (@libsql/client). Drivers load on first use, so a
 * package that only touches one engine never loads the others.
 *
 * ```ts
 * const conn = await connect('sqlite:./ledgerport.db')
 * await conn.db.selectFrom('orders').selectAll().execute()
 * await conn.close()
 * ```
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<DatabaseConnection> {
  const parsed = parseConnectionUrl(url)
  const listeners = new Set<QueryListener>()
  const log = (event: LogEvent): void => {
    for (const listener of listeners) listener(event)
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000
  const authToken = options.authToken ?? process.env.LIBSQL_AUTH_TOKEN
  const secrets = [...urlSecrets(parsed.url), ...(authToken ? [authToken] : [])]
  const opened = await engineOf(parsed.kind).open(parsed, {
    ...options,
    busyTimeoutMs,
    log,
    ...(authToken ? { authToken } : {}),
  })
  const { db, postgresClient, sqliteDatabase, close } = opened

  return {
    kind: parsed.kind,
    capabilities: capabilitiesOf(parsed.kind),
    db,
    url: parsed.url,
    displayUrl: redactUrl(parsed.url),
    ...(parsed.path ? { path: parsed.path } : {}),
    ...(options.schema ? { schema: options.schema } : {}),
    secrets,
    ...(postgresClient ? { postgresClient } : {}),
    ...(sqliteDatabase ? { sqliteDatabase } : {}),
    onQuery(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close() {
      await (close ? close() : db.destroy())
    },
  }
}
