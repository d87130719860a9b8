import type { EntityName, EntityValues } from './entities.js'

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

/**
 * One row-to-be of a canonical table, as a source produces it.
 *
 * `CanonicalRecord<'orders'>` types `values` by the table's columns ({@link EntityValues}): column
 * names, required columns, vocabularies (`status: 'filled'`, `side: 'buy'`) and references are checked
 * by the compiler. Plain `CanonicalRecord` (any table) takes any `values`, checked at run time: a
 * name that is not a column, or a value of the wrong JS type, stops the stream with a plugin error.
 *
 * ```ts
 * const order: CanonicalRecord<'orders'> = {
 *   entity: 'orders',
 *   sourceKey: 'order:abc123',
 *   values: { symbol: 'TCS', side: 'buy', status: 'filled', price: '3900.00', placed_at: '2026-03-02T09:15:00Z' },
 * }
 * ```
 */
export type CanonicalRecord<E extends EntityName = EntityName> = EntityName extends E
  ? CanonicalRecordOf<EntityName, Readonly<Record<string, CanonicalValue>>>
  : CanonicalRecordOf<E, EntityValues<E>>

/** A {@link CanonicalRecord} of table `E` whose `values` have type `V`. */
export interface CanonicalRecordOf<E extends EntityName, V> {
  /** The canonical table. */
  readonly entity: E
  /** Stable key of the source record, unique per (source, entity): e.g. `trade:42`, `order:abc123`. */
  readonly sourceKey: string
  /**
   * Column values by name; see `ENTITY_COLUMNS`. A name that is not a column, or a value of the
   * wrong JS type, is a plugin error; missing ones are NULL.
   */
  readonly values: V
  /** Source fields no column takes: nothing is lost. */
  readonly extra?: Readonly<Record<string, unknown>>
  /** Where it came from. */
  readonly location?: SourceLocation
  /**
   * How many times in this record were naive (no offset) and read in the source time zone, for the
   * run summary. Only needed for times the source converted itself (e.g. `toInstant(...).instant`):
   * the engine counts naive text it finds in `values` on its own. A record counts the larger of the
   * two, so setting it for naive text left in `values` does not count those times twice.
   */
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
  /** Where the record that was kept came from, when known. */
  readonly kept?: SourceLocation
  /** The canonical table, when known. */
  readonly entity?: EntityName
}
