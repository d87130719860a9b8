import type { EntityName } from './entities.js'

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/**
 * A reference from one canonical row to another, by the other's source key. The engine turns it
 * into the other row's id (UUIDv5), so a source never looks anything up. `source` defaults to the
 * referencing record's source (e.g. a `users` row made by `--user-id` has source `cli`).
 */
export interface EntityRef {
  readonly ref: EntityName
  readonly sourceKey: string
  readonly source?: string
}

/** A value a source puts in a canonical column, before validation normalises it. */
export type CanonicalValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | Date
  | EntityRef
  | JsonValue

/** Where a record came from, for rejects and error messages: a file and JSON path, or a table and key. */
export interface SourceLocation {
  /** The source file (JSON, SQLite database, mongoexport file). */
  readonly file?: string
  /** JSON path inside the file, e.g. `trades[17]`. */
  readonly path?: string
  /** The source table or collection. */
  readonly table?: string
  /** The source row's key, e.g. `id=42`. */
  readonly key?: string
}

/** One row-to-be of a canonical table, as a source produces it. */
export interface CanonicalRecord {
  /** The canonical table. */
  readonly entity: EntityName
  /** Stable key of the source record, unique per (source, entity): e.g. `trade:42`, `order:abc123`. */
  readonly sourceKey: string
  /** Column values by name; see `ENTITY_COLUMNS`. Unknown names are an error, missing ones are NULL. */
  readonly values: Readonly<Record<string, CanonicalValue>>
  /** Source fields no column takes: nothing is lost. */
  readonly extra?: Readonly<Record<string, unknown>>
  /** Where it came from. */
  readonly location?: SourceLocation
  /** Counted in the run summary as naive source times read in the source time zone. */
  readonly naiveTimes?: number
}

/** A source record that could not become a canonical row: it goes to the rejects, never stops a run. */
export interface Reject {
  /** The stream it belongs to (filled in by the engine when absent). */
  readonly stream?: string
  /** The canonical table it was meant for, when known. */
  readonly entity?: EntityName
  /** Where it came from. */
  readonly location: SourceLocation
  /** The offending field, when one field is to blame. */
  readonly field?: string
  /** Why, and what to do about it. */
  readonly reason: string
  /** The raw source record, when small enough to keep. */
  readonly raw?: unknown
}

/** A source record skipped because the same record was already read in this run. */
export interface Duplicate {
  /** Where the skipped record came from. */
  readonly location: SourceLocation
  /** Which record was kept instead, and by which key they are the same. */
  readonly reason: string
}
