import type { Kysely } from 'kysely'

/**
 * One schema migration, in the shape of Kysely's `Migration` plus what ledgerport adds.
 * A Kysely migration module (`export async function up(db) {…}`) is a valid `Migration` as it is.
 */
export interface Migration {
  /** Applies the change. */
  up(db: Kysely<any>): Promise<void>
  /** Reverts the change. A migration without `down` cannot be migrated down. */
  down?(db: Kysely<any>): Promise<void>
  /** Checks that the change is in place (`migrate verify`). Returning `false` or throwing fails it. */
  verify?(db: Kysely<any>): Promise<boolean | undefined>
  /** A line saying what the migration does; stored in the ledger. */
  description?: string
  /**
   * Whether `up`/`down` run inside a transaction. Default is `true`. Set `false` for statements a
   * transaction refuses (PostgreSQL `CREATE INDEX CONCURRENTLY`, SQLite `VACUUM`, `PRAGMA foreign_keys`).
   */
  transaction?: boolean
}

/** A migration as a provider hands it to the {@link Migrator}: with where it came from and its checksum. */
export interface ProvidedMigration extends Migration {
  /** The file it was read from, for error messages. */
  file?: string
  /** sha256 of its source with line endings normalised. Computed from `up`/`down` when absent. */
  checksum?: string
  /**
   * Checksums an older rule gave this same migration (a SQL file's before its rollback twin was
   * covered): a ledger row holding one of them is not taken for an edit.
   */
  acceptedChecksums?: ReadonlyArray<string>
  /** For SQL files: the statements of each direction, as written. */
  statements?: { readonly up: ReadonlyArray<string>; readonly down?: ReadonlyArray<string> }
}

/** Kysely's `MigrationProvider` contract: any Kysely provider works unchanged. */
export interface MigrationProvider {
  /** Returns every migration by name. Names sort in the order migrations apply. */
  getMigrations(): Promise<Record<string, Migration | ProvidedMigration>>
}

/** Pass to `migrateTo` to revert every migration. */
export const NO_MIGRATIONS: unique symbol = Symbol('NO_MIGRATIONS')

/** The default ledger table. */
export const DEFAULT_MIGRATION_TABLE = 'ledgerport_migrations'

/** The default lock table (SQLite/libSQL leases; holder details on PostgreSQL). */
export const DEFAULT_MIGRATION_LOCK_TABLE = 'ledgerport_migrations_lock'
