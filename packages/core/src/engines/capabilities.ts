import type { DatabaseKind } from '../db/connection-url.js'

/**
 * What an engine can do, as data (the way dlt describes destinations): the migrator, the data
 * engine and replicate ask this object instead of comparing engine names.
 *
 * ```ts
 * const { capabilities } = await connect(url)
 * const rowsPerStatement = Math.floor(capabilities.parameterLimit / columns.length)
 * ```
 */
export interface EngineCapabilities {
  /** The engine. */
  readonly engine: DatabaseKind
  /** The SQL it speaks: PostgreSQL, or SQLite (SQLite and libSQL). */
  readonly dialect: 'postgres' | 'sqlite'
  /** Most bound parameters one statement takes. */
  readonly parameterLimit: number
  /** DDL commits or rolls back with the transaction around it. */
  readonly transactionalDdl: boolean
  /**
   * How a process holds the migrator's (and a run's) lock: a session advisory lock, or a lease row
   * with holder, pid, host and heartbeat.
   */
  readonly lockStrategy: 'advisory-lock' | 'lease-row'
  /** Longest identifier, in bytes; longer names are cut (PostgreSQL) or refused. */
  readonly maxIdentifierLength: number
  /** Bulk loads through `COPY … FROM STDIN`. */
  readonly copy: boolean
  /** Tables live in named schemas (`search_path`); `--schema` applies. */
  readonly schemas: boolean
  /** Booleans are stored as `boolean`, or as integers 0/1. */
  readonly booleans: 'native' | 'integer'
  /** Instants are stored as `timestamptz`, or as ISO-8601 UTC text. */
  readonly instants: 'timestamptz' | 'text'
  /** Decimals are stored as exact `numeric`, or as text that SQL compares by casting. */
  readonly decimals: 'numeric' | 'text'
  /** `ANALYZE table (columns)` refreshes planner statistics after a load. */
  readonly analyzeColumns: boolean
  /** A local database file can be copied to a scratch file (plan rehearsal, backups). */
  readonly fileCopies: boolean
}
