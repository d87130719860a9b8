import {
  classifyRows,
  type DatabaseConnection,
  type EntityName,
  type ExistingRow,
  journalBeforeImages,
  type TargetRow,
  tableColumns,
  type UpsertCounts,
} from '@ledgerport/core'
import type { Database, Statement } from 'better-sqlite3'
import type { Kysely } from 'kysely'

interface Statements {
  readonly columns: ReadonlyArray<string>
  readonly find: Statement
  readonly insert: Statement
  readonly update: Statement
}

const prepared = new WeakMap<Database, Map<EntityName, Statements>>()

/**
 * Upserts a batch with better-sqlite3 prepared statements, one row at a time inside the caller's
 * transaction (SQLite's fastest path: no statement compiling per batch, no parameter limits). Rows
 * are classified exactly like every other target's, and changed rows are journaled first.
 */
export async function sqliteUpsert(
  db: Kysely<any>,
  connection: DatabaseConnection,
  entity: EntityName,
  rows: ReadonlyArray<TargetRow>,
  runId: string,
): Promise<UpsertCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0, duplicates: 0 }
  const database = connection.sqliteDatabase as unknown as Database
  const statements = statementsFor(database, entity)
  const existing = new Map<string, ExistingRow>()
  for (const row of rows) {
    const found = statements.find.get(row.id) as ExistingRow | undefined
    if (found) existing.set(String(row.id), found)
  }
  const { inserts, updates, unchanged, duplicates } = classifyRows(rows, existing, runId)
  for (const row of inserts) statements.insert.run(parameters(statements.columns, row))
  if (updates.length) {
    await journalBeforeImages(
      db,
      'sqlite',
      entity,
      updates.map((row) => String(row.id)),
      runId,
    )
    for (const row of updates) statements.update.run(parameters(statements.columns, row))
  }
  return { inserted: inserts.length, updated: updates.length, unchanged, duplicates }
}

function statementsFor(database: Database, entity: EntityName): Statements {
  let byEntity = prepared.get(database)
  if (!byEntity) {
    byEntity = new Map()
    prepared.set(database, byEntity)
  }
  let statements = byEntity.get(entity)
  if (!statements) {
    const columns = tableColumns(entity)
    const list = columns.map((c) => `"${c}"`).join(', ')
    const values = columns.map(() => '?').join(', ')
    const rewritten = columns
      .filter((c) => c !== 'id' && c !== 'first_run_id')
      .map((c) => `"${c}" = excluded."${c}"`)
    statements = {
      columns,
      find: database.prepare(`select row_hash, first_run_id, last_run_id from "${entity}" where id = ?`),
      insert: database.prepare(`insert into "${entity}" (${list}) values (${values})`),
      update: database.prepare(
        `insert into "${entity}" (${list}) values (${values}) on conflict (id) do update set ${rewritten.join(', ')}`,
      ),
    }
    byEntity.set(entity, statements)
  }
  return statements
}

function parameters(columns: ReadonlyArray<string>, row: TargetRow): unknown[] {
  const out = new Array<unknown>(columns.length)
  for (let i = 0; i < columns.length; i++) {
    const value = row[columns[i]!]
    out[i] = typeof value === 'boolean' ? (value ? 1 : 0) : (value ?? null)
  }
  return out
}
