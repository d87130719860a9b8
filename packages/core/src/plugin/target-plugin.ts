import type { Kysely } from 'kysely'
import type { DatabaseConnection } from '../db/connect.js'
import type { EntityName } from '../model/entities.js'
import type { OptionSpecs } from './option-spec.js'
import type { PluginContext } from './plugin-context.js'

/** A canonical row as a target writes it: every column, refs resolved to ids, JSON as text. */
export type TargetRow = Readonly<Record<string, string | number | boolean | null>>

/** What one upsert did. */
export interface UpsertCounts {
  /** New rows. */
  readonly inserted: number
  /** Existing rows whose `row_hash` changed; their before-images went to `ledgerport_journal`. */
  readonly updated: number
  /** Existing rows with the same `row_hash`: not rewritten. */
  readonly unchanged: number
  /** Rows this run had already written: skipped. */
  readonly duplicates: number
}

/** One transaction on a target: the engine writes rows and its ledger through it, then commits. */
export interface TargetTransaction {
  /** The transaction, for the engine's ledger tables. */
  readonly db: Kysely<any>
  /**
   * Upserts rows of one table on `id` (the UUIDv5 of entity, source and source key): inserts new
   * rows, rewrites rows whose `row_hash` differs (journaling their before-image under `runId`),
   * leaves equal ones alone, and skips rows this run already wrote.
   */
  upsert(entity: EntityName, rows: ReadonlyArray<TargetRow>, runId: string): Promise<UpsertCounts>
}

/** An open target database holding the canonical model. */
export interface Target {
  /** The connection (for the ledger queries of `runs`, `verify`, `rollback`). */
  readonly connection: DatabaseConnection
  /** Creates or upgrades the canonical tables and the engine's ledger tables. Idempotent. */
  prepare(): Promise<void>
  /**
   * Called before a run writes into these tables. A target may make loading into tables that are
   * still empty faster: the SQL targets set their secondary indexes aside, to build each once at
   * the end instead of row by row. Optional; not called for dry runs.
   */
  beginLoad?(entities: ReadonlyArray<EntityName>): Promise<void>
  /**
   * Called once the run has ended, whatever its outcome: builds what {@link beginLoad} set aside.
   * (If the process dies first, the next {@link prepare} builds it.)
   */
  endLoad?(): Promise<void>
  /** Runs `work` in one transaction: everything it wrote commits together, or nothing does. */
  transaction<T>(work: (tx: TargetTransaction) => Promise<T>): Promise<T>
  /** Closes the connection. */
  close(): Promise<void>
}

/**
 * A target plugin: what `--to URL` selects by the URL's scheme. A package exports it as `target`.
 */
export interface TargetPlugin<O = Record<string, unknown>> {
  /** Its name (`postgres`, `sqlite`, `turso`). */
  readonly name: string
  /** One line for `ledgerport plugins`. */
  readonly summary: string
  /** Its options. */
  readonly options: OptionSpecs<O>
  /** True when this target serves the URL. */
  accepts(url: string): boolean
  /** Opens the target. */
  create(url: string, options: O, context: PluginContext): Promise<Target>
}
