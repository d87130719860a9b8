import type { Kysely } from 'kysely'
import type { DatabaseKind } from '../db/connection-url.js'
import type { EngineCapabilities } from './capabilities.js'
import type { Engine } from './engine.js'
import { libsqlEngine } from './libsql/index.js'
import { postgresEngine } from './postgres/index.js'
import { sqliteEngine } from './sqlite/index.js'

const ENGINES: Readonly<Record<DatabaseKind, Engine>> = {
  postgres: postgresEngine,
  sqlite: sqliteEngine,
  libsql: libsqlEngine,
}

/** The adapter of an engine. */
export function engineOf(kind: DatabaseKind): Engine {
  return ENGINES[kind]
}

/**
 * What an engine can do.
 *
 * ```ts
 * capabilitiesOf('postgres').parameterLimit // 65535
 * ```
 */
export function capabilitiesOf(kind: DatabaseKind): EngineCapabilities {
  return ENGINES[kind].capabilities
}

/** True when the table exists (in the PostgreSQL `search_path`, or in the SQLite main schema). */
export function tableExists(db: Kysely<any>, kind: DatabaseKind, table: string): Promise<boolean> {
  return ENGINES[kind].tableExists(db, table)
}

export type { EngineCapabilities } from './capabilities.js'
export type { Engine, OpenedDatabase } from './engine.js'
export { LibsqlDialect, type LibsqlDialectProps } from './libsql/dialect.js'
export type {
  LibsqlClient,
  LibsqlResultSet,
  LibsqlStatement,
  LibsqlTransaction,
} from './libsql/driver-types.js'
export { MissingDriverError } from './load-driver.js'
export { copyTextEscape } from './postgres/copy-text.js'
export type { PostgresClient, PostgresSubmittable } from './postgres/driver-types.js'
export type { SqliteDatabase, SqliteStatement } from './sqlite/driver-types.js'
export { sqliteFileSignature, sqliteFileStamp } from './sqlite/file-signature.js'
