import { type Kysely, sql } from 'kysely'
import { type DatabaseConnection, quoteIdentifier } from '../db/connect.js'
import { capabilitiesOf } from '../engines/index.js'
import { FolderMigrationProvider } from '../migrate/folder-migration-provider.js'
import type { MigrationProvider } from '../migrate/migration.js'
import { takeTransactionLock } from '../migrate/migration-lock.js'
import { Migrator } from '../migrate/migrator.js'
import { canonicalModelMigrations } from '../model/canonical-schema.js'
import { COMMON_COLUMNS, ENTITY_COLUMNS, type EntityName } from '../model/entities.js'
import type { Target, TargetRow, TargetTransaction, UpsertCounts } from '../plugin/target-plugin.js'
import { describeTargetFault } from './target-fault.js'

/** The ledger table of core's own canonical-model migrations. */
export const MODEL_MIGRATION_TABLE = 'ledgerport_model_migrations'

/** Where {@link SqlTarget.beginLoad} keeps the definitions of the indexes it set aside. */
const DEFERRED_INDEXES_TABLE = 'ledgerport_deferred_indexes'

interface DeferredIndex {
  readonly name: string
  readonly definition: string
}

/** Props of {@link SqlTarget}. */
export interface SqlTargetProps {
  /** The target database. The target closes it. */
  readonly connection: DatabaseConnection
  /**
   * A faster upsert for this engine (PostgreSQL: COPY into a staging table). Default is
   * {@link upsertRows}, which works on every engine.
   */
  readonly upsert?: (
    tx: Kysely<any>,
    connection: DatabaseConnection,
    entity: EntityName,
    rows: ReadonlyArray<TargetRow>,
    runId: string,
  ) => Promise<UpsertCounts>
  /** Extra migrations a user adds to the canonical model (`--model-migrations DIR`). */
  readonly extraMigrations?: string
}

/**
 * A {@link Target} on any SQL database ledgerport connects to. Target packages are this plus their
 * engine's settings (SQLite WAL, PostgreSQL COPY); the shared logic lives here once.
 */
export class SqlTarget implements Target {
  readonly #props: SqlTargetProps
  /** Tables {@link beginLoad} found empty: they have no statistics until {@link endLoad} takes them. */
  readonly #emptyAtLoad = new Set<EntityName>()

  constructor(props: SqlTargetProps) {
    this.#props = props
  }

  get connection(): DatabaseConnection {
    return this.#props.connection
  }

  async prepare(): Promise<void> {
    const connection = this.#props.connection
    const schema = connection.schema
    if (connection.capabilities.schemas && schema) {
      // Two first runs at once would both miss it and one fail on pg_namespace's unique index.
      await connection.db.transaction().execute(async (trx) => {
        await takeTransactionLock(trx, connection.kind, `schema:${schema}`)
        await sql`create schema if not exists ${sql.id(schema)}`.execute(trx)
      })
    }
    const providers: MigrationProvider[] = [canonicalModelMigrations(connection.kind)]
    if (this.#props.extraMigrations)
      providers.push(new FolderMigrationProvider({ folder: this.#props.extraMigrations }))
    const provider: MigrationProvider = {
      getMigrations: async () =>
        Object.assign({}, ...(await Promise.all(providers.map((p) => p.getMigrations())))),
    }
    const { error } = await new Migrator({
      connection,
      provider,
      migrationTableName: MODEL_MIGRATION_TABLE,
    }).migrateToLatest()
    if (error)
      throw new Error(`Could not prepare the canonical model on ${connection.displayUrl}: ${error.message}`)
    // A load that died before its end left indexes aside.
    await this.#buildDeferredIndexes()
  }

  /**
   * Sets aside the secondary (non-unique) indexes of each of these tables that is empty, recording
   * their definitions in `ledgerport_deferred_indexes` first. Loading an empty table then maintains
   * only its primary key and `UNIQUE (source, source_key)`, and {@link endLoad} builds each index
   * once, in one sorted pass, which is several times cheaper than inserting every row into it.
   */
  async beginLoad(entities: ReadonlyArray<EntityName>): Promise<void> {
    const connection = this.#props.connection
    await connection.db.transaction().execute(async (trx) => {
      // Runs of other scopes load the same tables at once: one process at a time sets indexes aside.
      await takeTransactionLock(trx, connection.kind, DEFERRED_INDEXES_TABLE)
      await takeWriteLock(trx, connection)
      for (const entity of new Set(entities)) {
        const table = sql.table(entity)
        const any = await sql`select 1 as present from ${table} limit 1`.execute(trx)
        if (any.rows.length) continue
        this.#emptyAtLoad.add(entity)
        const indexes =
          connection.capabilities.dialect === 'postgres'
            ? await sql<DeferredIndex>`select quote_ident(schemaname) || '.' || quote_ident(indexname) as name,
                indexdef as definition from pg_indexes
                where schemaname = current_schema() and tablename = ${entity}
                and indexdef not like 'CREATE UNIQUE INDEX %'`.execute(trx)
            : await sql<DeferredIndex>`select '"' || replace(name, '"', '""') || '"' as name, sql as definition
                from sqlite_master where type = 'index' and tbl_name = ${entity} and sql is not null
                and sql not like 'CREATE UNIQUE INDEX %'`.execute(trx)
        for (const index of indexes.rows) {
          await trx
            .insertInto(DEFERRED_INDEXES_TABLE)
            .values({ name: index.name, table_name: entity, definition: index.definition })
            .onConflict((oc) => oc.column('name').doNothing())
            .execute()
          await sql`drop index ${sql.raw(index.name)}`.execute(trx)
        }
      }
    })
  }

  /** Builds the indexes {@link beginLoad} set aside; on PostgreSQL, takes statistics of the tables it found empty. */
  async endLoad(): Promise<void> {
    await this.#buildDeferredIndexes()
    // PostgreSQL: a table filled from empty has no statistics until autovacuum gets to it; until
    // then the planner takes it for a few rows and sorts all of it for each keyed page of `verify`
    // (900 ms a page at 200,000 rows, 75 ms with statistics). ANALYZE samples a bounded number of
    // rows; only the columns such queries filter on, to leave the JSON columns alone.
    const loaded = [...this.#emptyAtLoad]
    this.#emptyAtLoad.clear()
    if (this.#props.connection.capabilities.analyzeColumns && loaded.length)
      await sql`analyze ${sql.join(loaded.map((entity) => sql`${sql.table(entity)} (id, source, source_key)`))}`.execute(
        this.#props.connection.db,
      )
  }

  async #buildDeferredIndexes(): Promise<void> {
    const connection = this.#props.connection
    if (connection.capabilities.lockStrategy === 'advisory-lock') {
      // Two processes building the same index at once both miss it, and one fails on pg_class's
      // unique index: one process at a time builds them, the next finds them built.
      await connection.db.transaction().execute(async (trx) => {
        await takeTransactionLock(trx, connection.kind, DEFERRED_INDEXES_TABLE)
        await buildDeferredIndexes(trx)
      })
    } else await buildDeferredIndexes(connection.db)
  }

  async transaction<T>(work: (tx: TargetTransaction) => Promise<T>): Promise<T> {
    const connection = this.#props.connection
    const upsert = this.#props.upsert ?? upsertRows
    // A controlled transaction, so the error that broke it is the one reported: when SQLite rolled back
    // by itself (SQLITE_FULL, in a statement or at COMMIT), the ROLLBACK that follows fails with
    // `cannot rollback - no transaction is active`, which would hide it.
    const trx = await connection.db.startTransaction().execute()
    let result: T
    try {
      await takeWriteLock(trx, connection)
      result = await work({
        db: trx,
        upsert: (entity, rows, runId) => upsert(trx, connection, entity, rows, runId),
      })
      await trx.commit().execute()
    } catch (error) {
      if (!trx.isCommitted)
        await trx
          .rollback()
          .execute()
          .catch(() => {})
      throw describeTargetFault(error, connection.displayUrl)
    }
    return result
  }

  async close(): Promise<void> {
    await this.#props.connection.close()
  }
}

/** SQLite/libSQL: takes the database's write lock at a transaction's start (a no-op on PostgreSQL). */
async function takeWriteLock(trx: Kysely<any>, connection: DatabaseConnection): Promise<void> {
  if (connection.capabilities.dialect !== 'postgres')
    await sql`update ledgerport_runs set id = id where 0 = 1`.execute(trx)
}

async function buildDeferredIndexes(db: Kysely<any>): Promise<void> {
  const deferred = await db.selectFrom(DEFERRED_INDEXES_TABLE).select(['name', 'definition']).execute()
  for (const index of deferred) {
    const definition = String(index.definition).replace(/^create index /i, 'CREATE INDEX IF NOT EXISTS ')
    await sql.raw(definition).execute(db)
    await db.deleteFrom(DEFERRED_INDEXES_TABLE).where('name', '=', index.name).execute()
  }
}

/** Every column of a canonical table, common ones first, in table order. */
export function tableColumns(entity: EntityName): string[] {
  return [...COMMON_COLUMNS, ...ENTITY_COLUMNS[entity]].map((column) => column.name)
}

const MAX_PARAMETERS = { postgres: 60_000, sqlite: 30_000, libsql: 30_000 } as const

/**
 * The portable upsert: reads the batch's ids, inserts new rows, journals and rewrites rows whose
 * `row_hash` changed, and leaves the rest. Exact counts on every engine.
 */
export async function upsertRows(
  db: Kysely<any>,
  connection: DatabaseConnection,
  entity: EntityName,
  rows: ReadonlyArray<TargetRow>,
  runId: string,
): Promise<UpsertCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0, duplicates: 0 }
  const columns = tableColumns(entity)
  const chunk = Math.max(1, Math.floor(MAX_PARAMETERS[connection.kind] / columns.length))
  const existing = new Map<string, ExistingRow>()
  const ids = rows.map((row) => String(row.id))
  for (let i = 0; i < ids.length; i += 5_000) {
    const found = await db
      .selectFrom(entity)
      .select(['id', 'row_hash', 'first_run_id', 'last_run_id'])
      .where('id', 'in', ids.slice(i, i + 5_000))
      .execute()
    for (const row of found) existing.set(String(row.id), row as ExistingRow)
  }
  const { inserts, updates, unchanged, duplicates } = classifyRows(rows, existing, runId)
  const encode = (row: TargetRow): Record<string, unknown> => {
    if (connection.capabilities.dialect === 'postgres') return row
    const out: Record<string, unknown> = {}
    for (const column of columns) {
      const value = row[column]
      out[column] = typeof value === 'boolean' ? (value ? 1 : 0) : (value ?? null)
    }
    return out
  }
  for (let i = 0; i < inserts.length; i += chunk) {
    await db
      .insertInto(entity)
      .values(inserts.slice(i, i + chunk).map(encode))
      .execute()
  }
  if (updates.length) {
    const updateIds = updates.map((row) => String(row.id))
    for (let i = 0; i < updateIds.length; i += 5_000) {
      await journalBeforeImages(db, connection.kind, entity, updateIds.slice(i, i + 5_000), runId)
    }
    const rewritten = columns.filter((column) => column !== 'id' && column !== 'first_run_id')
    for (let i = 0; i < updates.length; i += chunk) {
      await db
        .insertInto(entity)
        .values(updates.slice(i, i + chunk).map(encode))
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet(
              Object.fromEntries(rewritten.map((column) => [column, sql.ref(`excluded.${column}`)])),
            ),
        )
        .execute()
    }
  }
  return { inserted: inserts.length, updated: updates.length, unchanged, duplicates }
}

/** What a target already holds for a row id: enough to classify an incoming row. */
export interface ExistingRow {
  readonly row_hash: string
  readonly first_run_id: string
  readonly last_run_id: string
}

/** A batch split by what the target already holds. */
export interface ClassifiedRows {
  /** Rows the target does not have. */
  readonly inserts: TargetRow[]
  /** Rows whose `row_hash` changed, carrying the existing `first_run_id`. */
  readonly updates: TargetRow[]
  readonly unchanged: number
  /** Rows this run already wrote. */
  readonly duplicates: number
}

/**
 * Splits a batch into new, changed, equal, and already-written-by-this-run rows, given the
 * existing rows with the same ids. Every target's upsert uses it, so all count alike.
 */
export function classifyRows(
  rows: ReadonlyArray<TargetRow>,
  existing: ReadonlyMap<string, ExistingRow>,
  runId: string,
): ClassifiedRows {
  const inserts: TargetRow[] = []
  const updates: TargetRow[] = []
  let unchanged = 0
  let duplicates = 0
  for (const row of rows) {
    const before = existing.get(String(row.id))
    if (!before) inserts.push(row)
    else if (before.first_run_id === runId || before.last_run_id === runId) duplicates++
    else if (before.row_hash === row.row_hash) unchanged++
    else updates.push({ ...row, first_run_id: before.first_run_id })
  }
  return { inserts, updates, unchanged, duplicates }
}

/** Copies the current rows with these ids into `ledgerport_journal` as JSON before-images. */
export async function journalBeforeImages(
  db: Kysely<any>,
  kind: DatabaseConnection['kind'],
  entity: EntityName,
  ids: ReadonlyArray<string>,
  runId: string,
): Promise<void> {
  if (ids.length === 0) return
  const table = sql.table(entity)
  if (capabilitiesOf(kind).dialect === 'postgres') {
    await sql`insert into ledgerport_journal (run_id, entity, row_id, before, created_at)
      select ${runId}, ${entity}, t.id, to_jsonb(t), now() from ${table} t where t.id = any(${ids}::uuid[])`.execute(
      db,
    )
    return
  }
  const image = sql.raw(
    `json_object(${tableColumns(entity)
      .map((c) => `'${c}', t.${quoteIdentifier(c)}`)
      .join(', ')})`,
  )
  await sql`insert into ledgerport_journal (run_id, entity, row_id, before, created_at)
    select ${runId}, ${entity}, t.id, ${image}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') from ${table} t
    where t.id in (${sql.join(ids)})`.execute(db)
}
