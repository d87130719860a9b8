import type { Kysely } from 'kysely'

/** Rows ready for the target: COPY bytes for PostgreSQL, bindable values for SQLite/libSQL. */
export type EncodedRows =
  | {
      readonly engine: 'postgres'
      readonly format: 'binary' | 'text'
      /** The rows in COPY format (no binary header or trailer). */
      readonly bytes: Buffer
      readonly count: number
    }
  | { readonly engine: 'sqlite'; readonly rows: ReadonlyArray<ReadonlyArray<unknown>> }

/** The number of rows in an {@link EncodedRows}. */
export function rowCount(rows: EncodedRows): number {
  return rows.engine === 'postgres' ? rows.count : rows.rows.length
}

/**
 * Everything `replicate` does to a target table, for one engine. Methods taking `tx` run in the
 * caller's transaction (see {@link ReplicaWriter.transaction}), so rows, replica state and the
 * checkpoint commit together.
 */
export interface ReplicaWriter {
  /** Creates the table for a fresh copy (PostgreSQL: no keys or indexes yet) and its state table. */
  create(tx: Kysely<any>): Promise<void>
  /** After the rows are in: primary key, unique constraints, indexes, identity and state index. */
  finish(tx: Kysely<any>): Promise<string[]>
  /** Drops the table's bookkeeping tables (state, stage, probe). */
  dropBookkeeping(db: Kysely<any>): Promise<void>
  /** Appends rows to the table (fresh copy). */
  insert(tx: Kysely<any>, rows: EncodedRows): Promise<void>
  /** Inserts or updates rows by primary key. */
  upsert(tx: Kysely<any>, rows: EncodedRows): Promise<void>
  /** Records keys and hashes of new rows (fresh copy: no index yet). */
  insertState(tx: Kysely<any>, keys: ReadonlyArray<string>, hashes: ReadonlyArray<string>): Promise<void>
  /** Records keys and hashes, replacing hashes of keys already known. */
  upsertState(tx: Kysely<any>, keys: ReadonlyArray<string>, hashes: ReadonlyArray<string>): Promise<void>
  /**
   * Compares rows with the state: returns the keys whose stored hash is not `hashes[i]` (new keys,
   * changed rows, and known keys of rejected rows, whose hash is undefined), each with whether the
   * state knows it. Keys absent from the map are unchanged.
   */
  compare(
    db: Kysely<any>,
    keys: ReadonlyArray<string>,
    hashes: ReadonlyArray<string | undefined>,
  ): Promise<Map<string, boolean>>
  /** How many keys the state holds. */
  stateCount(db: Kysely<any>): Promise<number>
  /** How many rows the target table holds. */
  rowCount(db: Kysely<any>): Promise<number>
  /** Deletes every row (tables without a key are replaced whole). */
  clear(tx: Kysely<any>): Promise<void>
  /** Starts a new probe (the source's keys, for finding deleted rows). */
  startProbe(db: Kysely<any>): Promise<void>
  /** Appends key rows (key columns, then the key text) to the probe. */
  appendProbe(db: Kysely<any>, rows: EncodedRows): Promise<void>
  /** Deletes rows, and their state, whose key is not in the probe; drops the probe. Returns rows deleted. */
  deleteMissing(tx: Kysely<any>): Promise<number>
  /** PostgreSQL: moves identity sequences past the largest id. */
  syncSequences(db: Kysely<any>): Promise<void>
  /** Runs `work` in one transaction. `bulk` ones may trade durability of the last commits for speed. */
  transaction<T>(work: (tx: Kysely<any>) => Promise<T>, options?: { bulk?: boolean }): Promise<T>
}
