import {
  classifyRows,
  copyTextEscape,
  type DatabaseConnection,
  type EntityName,
  type ExistingRow,
  journalBeforeImages,
  quoteIdentifier as quote,
  type TargetRow,
  tableColumns,
  type UpsertCounts,
} from '@ledgerport/core'
import { type Kysely, sql } from 'kysely'
import { from as copyFrom } from 'pg-copy-streams'

/** Transactions whose lookups already run with `enable_seqscan` off. */
const seqscanOff = new WeakSet<Kysely<any>>()

/**
 * Upserts a batch the PostgreSQL way, in the caller's transaction: one indexed lookup of the batch's
 * ids classifies rows as new, changed, equal or already written by this run (the same rule as every
 * target); new rows are COPYed straight into the table; changed rows have their before-images
 * journaled, are COPYed into a session-local staging table and applied with one `UPDATE … FROM`.
 * Equal rows cost only the lookup, so an unchanged re-run writes nothing.
 */
export async function copyUpsert(
  db: Kysely<any>,
  connection: DatabaseConnection,
  entity: EntityName,
  rows: ReadonlyArray<TargetRow>,
  runId: string,
): Promise<UpsertCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0, duplicates: 0 }
  const columns = tableColumns(entity)
  const ids = rows.map((row) => String(row.id))
  // A table being loaded has no statistics yet: the planner would scan all of it for every batch's
  // lookup (quadratic in the table's size). The primary key answers the lookup; make it the plan,
  // for the rest of the batch's transaction (its other statements are COPYs and keyed writes). The
  // cost a disabled scan is given would set off JIT compilation (about 150 ms a statement) for the
  // staged UPDATE, which has to scan its staging table: JIT goes off too.
  if (!seqscanOff.has(db)) {
    await sql`select set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true)`.execute(db)
    seqscanOff.add(db)
  }
  const { rows: found } = await sql<ExistingRow & { id: string }>`
    select id, row_hash, first_run_id, last_run_id from ${sql.table(entity)} where id = any(${ids}::uuid[])`.execute(
    db,
  )
  const existing = new Map(found.map((row) => [String(row.id), row]))
  const { inserts, updates, unchanged, duplicates } = classifyRows(rows, existing, runId)
  const client = await connection.postgresClient!(db)
  if (inserts.length) await copyRows(client, quote(entity), columns, inserts)
  if (updates.length) {
    await journalBeforeImages(
      db,
      'postgres',
      entity,
      updates.map((row) => String(row.id)),
      runId,
    )
    const stage = `ledgerport_stage_${entity}`
    await sql`create temp table if not exists ${sql.table(stage)} (like ${sql.table(entity)}) on commit delete rows`.execute(
      db,
    )
    await copyRows(client, quote(stage), columns, updates)
    const assignments = sql.join(
      columns
        .filter((c) => c !== 'id' && c !== 'first_run_id')
        .map((c) => sql`${sql.id(c)} = s.${sql.id(c)}`),
    )
    await sql`update ${sql.table(entity)} t set ${assignments} from ${sql.table(stage)} s where t.id = s.id`.execute(
      db,
    )
    await sql`truncate ${sql.table(stage)}`.execute(db)
  }
  return { inserted: inserts.length, updated: updates.length, unchanged, duplicates }
}

/** COPYs rows into a table in COPY's text format, in chunks of about 1 MB. */
async function copyRows(
  client: Awaited<ReturnType<NonNullable<DatabaseConnection['postgresClient']>>>,
  table: string,
  columns: ReadonlyArray<string>,
  rows: ReadonlyArray<TargetRow>,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(`COPY ${table} (${columns.map(quote).join(', ')}) FROM STDIN`))
    stream.on('error', reject)
    stream.on('finish', resolve)
    let chunk = ''
    for (const row of rows) {
      for (let i = 0; i < columns.length; i++) {
        if (i) chunk += '\t'
        chunk += copyText(row[columns[i]!])
      }
      chunk += '\n'
      if (chunk.length > 1_000_000) {
        stream.write(chunk)
        chunk = ''
      }
    }
    if (chunk) stream.write(chunk)
    stream.end()
  })
}

/** A value in COPY's text format: `\N` for NULL, backslash escapes for tab, newline, CR and backslash. */
function copyText(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '\\N'
  if (typeof value === 'boolean') return value ? 't' : 'f'
  if (typeof value === 'number') return String(value)
  return copyTextEscape(value)
}
