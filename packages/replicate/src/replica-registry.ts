import { type Kysely, sql } from 'kysely'

/** The target table that records every replicated table: where it is, how far, with which shape. */
export const REPLICA_REGISTRY_TABLE = 'ledgerport_replica_tables'

/** Where a replicated table stands. */
export type ReplicaStatus =
  /** First copy under way: rows up to `lastKey` are in. */
  | 'loading'
  /** A full copy, in step with the source as of `runId`. */
  | 'ready'
  /** A re-run under way: changes up to `lastKey` are in. */
  | 'syncing'

/** Counts kept with a checkpoint, so a resumed run reports the whole table. */
export interface ReplicaCounts {
  read: number
  inserted: number
  updated: number
  deleted: number
  unchanged: number
  rejected: number
}

/** One row of {@link REPLICA_REGISTRY_TABLE}. */
export interface ReplicaEntry {
  readonly table: string
  /** The table holding each row's key and hash. */
  readonly stateTable: string
  readonly status: ReplicaStatus
  /** Hash of the target columns and key: a source whose shape changed is not mixed into the old copy. */
  readonly schemaHash: string
  /** The key of the last row committed (JSON, see {@link encodeKey}); null at the start. */
  readonly lastKey: string | null
  /** The run that last wrote this entry. */
  readonly runId: string
  /** Counts so far in `runId`, plus re-run bookkeeping (`stateBefore`, `matched`). */
  readonly counts: ReplicaCounts & { stateBefore?: number; matched?: number; rows?: number }
  /** Tables without a key: hash of all rows' hashes, in read order. */
  readonly tableHash: string | null
  /**
   * The source file's signature when the copy last became `ready` (SQLite files only; see
   * `sqliteFileSignature`): while the file keeps it, the table is not read again.
   */
  readonly sourceSignature?: string | null
}

/** Creates the registry table when missing. */
export async function ensureRegistry(db: Kysely<any>): Promise<void> {
  await sql`create table if not exists ${sql.table(REPLICA_REGISTRY_TABLE)} (
    table_name text primary key,
    state_table text not null,
    status text not null,
    schema_hash text not null,
    last_key text,
    run_id text not null,
    counts text not null,
    table_hash text,
    updated_at text not null,
    source_signature text
  )`.execute(db)
  // Registries made before the column existed.
  const tables = await db.introspection.getTables()
  const columns = tables.find((table) => table.name === REPLICA_REGISTRY_TABLE)?.columns ?? []
  if (!columns.some((column) => column.name === 'source_signature'))
    await sql`alter table ${sql.table(REPLICA_REGISTRY_TABLE)} add column source_signature text`.execute(db)
}

/** Every entry, by table name. */
export async function readRegistry(db: Kysely<any>): Promise<Map<string, ReplicaEntry>> {
  const { rows } = await sql<Record<string, string | null>>`select * from ${sql.table(
    REPLICA_REGISTRY_TABLE,
  )}`.execute(db)
  const entries = new Map<string, ReplicaEntry>()
  for (const row of rows) {
    entries.set(row.table_name!, {
      table: row.table_name!,
      stateTable: row.state_table!,
      status: row.status as ReplicaStatus,
      schemaHash: row.schema_hash!,
      lastKey: row.last_key ?? null,
      runId: row.run_id!,
      counts: JSON.parse(row.counts ?? '{}'),
      tableHash: row.table_hash ?? null,
      sourceSignature: row.source_signature ?? null,
    })
  }
  return entries
}

/** Inserts or replaces an entry (in the caller's transaction). */
export async function putRegistry(db: Kysely<any>, entry: ReplicaEntry): Promise<void> {
  await sql`insert into ${sql.table(REPLICA_REGISTRY_TABLE)}
    (table_name, state_table, status, schema_hash, last_key, run_id, counts, table_hash, updated_at,
      source_signature)
    values (${entry.table}, ${entry.stateTable}, ${entry.status}, ${entry.schemaHash}, ${entry.lastKey},
      ${entry.runId}, ${JSON.stringify(entry.counts)}, ${entry.tableHash}, ${new Date().toISOString()},
      ${entry.sourceSignature ?? null})
    on conflict (table_name) do update set state_table = excluded.state_table, status = excluded.status,
      schema_hash = excluded.schema_hash, last_key = excluded.last_key, run_id = excluded.run_id,
      counts = excluded.counts, table_hash = excluded.table_hash, updated_at = excluded.updated_at,
      source_signature = excluded.source_signature`.execute(db)
}

/** Forgets a table (its target copy is gone). */
export async function deleteRegistry(db: Kysely<any>, table: string): Promise<void> {
  await sql`delete from ${sql.table(REPLICA_REGISTRY_TABLE)} where table_name = ${table}`.execute(db)
}

/**
 * A row key as JSON text for a checkpoint: bigints and bytes are tagged so they come back as they
 * were (`[{"i":"42"}]`, `[{"x":"00ff"}]`); strings and numbers are plain.
 */
export function encodeKey(values: ReadonlyArray<unknown>): string {
  return JSON.stringify(
    values.map((value) =>
      typeof value === 'bigint'
        ? { i: value.toString() }
        : value instanceof Uint8Array
          ? { x: Buffer.from(value).toString('hex') }
          : value instanceof ArrayBuffer
            ? { x: Buffer.from(value).toString('hex') }
            : value,
    ),
  )
}

/** The key values of {@link encodeKey}'s text. */
export function decodeKey(text: string | null): unknown[] | undefined {
  if (text === null) return undefined
  return (JSON.parse(text) as unknown[]).map((value) => {
    if (value && typeof value === 'object') {
      if ('i' in value) return BigInt((value as { i: string }).i)
      if ('x' in value) return Buffer.from((value as { x: string }).x, 'hex')
    }
    return value
  })
}
