import type { DatabaseConnection, EntityName, TargetRow, UpsertCounts } from '@ledgerport/core'
import { tableColumns } from '@ledgerport/core'
import { type Kysely, sql } from 'kysely'
import { from as copyFrom } from 'pg-copy-streams'

/**
 * Upserts a batch the PostgreSQL way: COPY the rows into a session-local staging table, count
 * what is new, changed, equal or already written by this run, journal the before-images of the
 * changed rows, then one `INSERT … SELECT … ON CONFLICT (id) DO UPDATE`. All in the caller's transaction.
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
  const table = sql.table(entity)
  const stage = sql.table(`ledgerport_stage_${entity}`)
  await sql`create temp table if not exists ${stage} (like ${table}) on commit delete rows`.execute(db)
  const client = await connection.postgresClient!(db)
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(
      copyFrom(`COPY ledgerport_stage_${entity} (${columns.map(quote).join(', ')}) FROM STDIN`),
    )
    stream.on('error', reject)
    stream.on('finish', resolve)
    const chunk: string[] = []
    for (const row of rows) {
      chunk.push(columns.map((column) => copyText(row[column])).join('\t'))
      if (chunk.length === 1_000) {
        stream.write(`${chunk.join('\n')}\n`)
        chunk.length = 0
      }
    }
    if (chunk.length) stream.write(`${chunk.join('\n')}\n`)
    stream.end()
  })
  const mine = sql`(t.first_run_id = ${runId} or t.last_run_id = ${runId})`
  const { rows: counted } = await sql<Record<'inserted' | 'duplicates' | 'unchanged' | 'updated', string>>`
    select count(*) filter (where t.id is null) as inserted,
           count(*) filter (where t.id is not null and ${mine}) as duplicates,
           count(*) filter (where t.id is not null and not ${mine} and t.row_hash = s.row_hash) as unchanged,
           count(*) filter (where t.id is not null and not ${mine} and t.row_hash <> s.row_hash) as updated
    from ${stage} s left join ${table} t on t.id = s.id`.execute(db)
  const counts = counted[0]!
  if (Number(counts.updated) > 0) {
    await sql`insert into ledgerport_journal (run_id, entity, row_id, before, created_at)
      select ${runId}, ${entity}, t.id, to_jsonb(t), now() from ${table} t join ${stage} s on s.id = t.id
      where not ${mine} and t.row_hash <> s.row_hash`.execute(db)
  }
  if (Number(counts.inserted) + Number(counts.updated) > 0) {
    const list = sql.join(columns.map((c) => sql.id(c)))
    const sourceList = sql.join(columns.map((c) => sql.ref(`s.${c}`)))
    const updates = sql.join(
      columns
        .filter((c) => c !== 'id' && c !== 'first_run_id')
        .map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`),
    )
    await sql`insert into ${table} (${list})
      select ${sourceList} from ${stage} s left join ${table} t on t.id = s.id
      where t.id is null or (not ${mine} and t.row_hash <> s.row_hash)
      on conflict (id) do update set ${updates}`.execute(db)
  }
  await sql`truncate ${stage}`.execute(db)
  return {
    inserted: Number(counts.inserted),
    updated: Number(counts.updated),
    unchanged: Number(counts.unchanged),
    duplicates: Number(counts.duplicates),
  }
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** A value in COPY's text format: `\N` for NULL, backslash escapes for tab, newline, CR and backslash. */
function copyText(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '\\N'
  if (typeof value === 'boolean') return value ? 't' : 'f'
  if (typeof value === 'number') return String(value)
  return value.replace(/[\\\t\n\r]/g, (ch) =>
    ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r',
  )
}
