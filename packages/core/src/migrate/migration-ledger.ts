import { hostname, userInfo } from 'node:os'
import { type Kysely, sql } from 'kysely'
import type { DatabaseKind } from '../db/connection-url.js'
import { capabilitiesOf, tableExists } from '../engines/index.js'

/** A row of the ledger table: one applied migration. */
export interface LedgerEntry {
  /** Migration name (file name without extension). */
  readonly name: string
  /** sha256 of the migration source when it was applied. */
  readonly checksum: string
  /** The migration's description. */
  readonly description: string | null
  /** When it was applied, ISO-8601 UTC. */
  readonly appliedAt: string
  /** How long `up` took. */
  readonly executionMs: number
  /** `user@host pid N` of the process that applied it. */
  readonly appliedBy: string
}

/** Reads and writes the ledger table (`ledgerport_migrations` by default). */
export class MigrationLedger {
  readonly #kind: DatabaseKind
  readonly #table: string

  constructor(kind: DatabaseKind, table: string) {
    this.#kind = kind
    this.#table = table
  }

  /** Creates the ledger table when missing. */
  async ensure(db: Kysely<any>): Promise<void> {
    const time = capabilitiesOf(this.#kind).instants
    await db.schema
      .createTable(this.#table)
      .ifNotExists()
      .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
      .addColumn('checksum', 'varchar(64)', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('applied_at', sql.raw(time), (c) => c.notNull())
      .addColumn('execution_ms', 'integer', (c) => c.notNull())
      .addColumn('applied_by', 'text', (c) => c.notNull())
      .execute()
  }

  /** Applied migrations, by name. Empty when the table does not exist yet (nothing is created). */
  async read(db: Kysely<any>): Promise<LedgerEntry[]> {
    if (!(await tableExists(db, this.#kind, this.#table))) return []
    const rows = await db.selectFrom(this.#table).selectAll().orderBy('name').execute()
    return rows.map((row) => ({
      name: String(row.name),
      checksum: String(row.checksum),
      description: row.description == null ? null : String(row.description),
      appliedAt: row.applied_at instanceof Date ? row.applied_at.toISOString() : String(row.applied_at),
      executionMs: Number(row.execution_ms),
      appliedBy: String(row.applied_by),
    }))
  }

  /** Records an applied migration. */
  async insert(
    db: Kysely<any>,
    entry: Omit<LedgerEntry, 'appliedBy'> & { appliedBy?: string },
  ): Promise<void> {
    await db
      .insertInto(this.#table)
      .values({
        name: entry.name,
        checksum: entry.checksum,
        description: entry.description,
        applied_at: entry.appliedAt,
        execution_ms: Math.round(entry.executionMs),
        applied_by: entry.appliedBy ?? currentActor(),
      })
      .execute()
  }

  /** Forgets a migration (after `down`, or `repair` of a deleted file). */
  async delete(db: Kysely<any>, name: string): Promise<void> {
    await db.deleteFrom(this.#table).where('name', '=', name).execute()
  }

  /** Accepts a changed migration's current checksum (`repair`). */
  async updateChecksum(db: Kysely<any>, name: string, checksum: string): Promise<void> {
    await db.updateTable(this.#table).set({ checksum }).where('name', '=', name).execute()
  }
}

/** `user@host pid N`: who is applying migrations from this process. */
export function currentActor(): string {
  let user = 'unknown'
  try {
    user = userInfo().username
  } catch {
    // No passwd entry for this uid (containers); the pid and host still identify the process.
  }
  return `${user}@${hostname()} pid ${process.pid}`
}
