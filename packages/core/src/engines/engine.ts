import type { Kysely, LogEvent } from 'kysely'
import type { ConnectOptions } from '../db/connect-options.js'
import type { ParsedConnectionUrl } from '../db/connection-url.js'
import type { EngineCapabilities } from './capabilities.js'
import type { PostgresClient } from './postgres/driver-types.js'
import type { SqliteDatabase } from './sqlite/driver-types.js'

/** What an engine's `open` hands back to {@link connect}. */
export interface OpenedDatabase {
  readonly db: Kysely<any>
  readonly postgresClient?: (db: Kysely<any>) => Promise<PostgresClient>
  readonly sqliteDatabase?: SqliteDatabase
  /** Closes the database when `db.destroy()` alone could wait forever (a server that stopped answering). */
  readonly close?: () => Promise<void>
}

/**
 * One engine's adapter: how to open it, how to look into it, and what it can do. One folder per
 * engine (`engines/postgres`, `engines/sqlite`, `engines/libsql`) holds each part.
 */
export interface Engine {
  /** What the engine can do. */
  readonly capabilities: EngineCapabilities
  /** Opens a connection (the driver loads on first use). */
  open(
    parsed: ParsedConnectionUrl,
    options: ConnectOptions & { readonly log: (event: LogEvent) => void; readonly authToken?: string },
  ): Promise<OpenedDatabase>
  /** True when the table exists (PostgreSQL: in the `search_path`; SQLite: in `main`). */
  tableExists(db: Kysely<any>, table: string): Promise<boolean>
  /** The URL of a local database file of this engine (a rehearsal copy, a scratch database). */
  fileUrl(path: string): string
}
