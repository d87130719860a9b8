import { type Kysely, sql } from 'kysely'
import { quoteIdentifier } from '../db/connect.js'

/** Options of {@link sqliteRebuildTable}. */
export interface SqliteRebuildTableOptions {
  /** The table to rebuild. */
  readonly table: string
  /** The complete `CREATE TABLE` statement of the new shape, using the table's own name. */
  readonly createSql: string
  /**
   * For each column of the new table, the expression that fills it from the old one. Columns not
   * listed are copied by name when the old table has them, else left to their default.
   */
  readonly columns?: Readonly<Record<string, string>>
}

/**
 * Changes a SQLite table in ways `ALTER TABLE` cannot (drop or retype a column, add a constraint)
 * with a variant of SQLite's documented 12-step procedure: copy the rows into a staging table of the
 * new shape, drop the old table, create the new one under its own name, copy the rows back, drop the
 * staging table, recreate indexes and triggers, then `PRAGMA foreign_key_check`. Call it from a
 * migration with `transaction: true` (the default): the whole rebuild commits or rolls back with it.
 * Foreign keys are deferred for the transaction with `PRAGMA defer_foreign_keys`, since
 * `PRAGMA foreign_keys` cannot change inside one. (Renaming the staging table into place, as the
 * 12-step procedure does with foreign keys off, would leave the violations counted when the old
 * table was dropped under other tables' references, and the commit would fail; inserting the rows
 * into the table of that name clears them.)
 *
 * ```ts
 * export async function up(db: Kysely<any>) {
 *   await sqliteRebuildTable(db, {
 *     table: 'orders',
 *     createSql: 'CREATE TABLE orders (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL, lots REAL NOT NULL)',
 *   })
 * }
 * ```
 */
export async function sqliteRebuildTable(db: Kysely<any>, options: SqliteRebuildTableOptions): Promise<void> {
  const table = options.table
  const temp = `${table}__ledgerport_new`
  const { rows: schemaRows } = await sql<{ type: string; sql: string | null }>`
    select type, sql from sqlite_master where tbl_name = ${table} and type in ('index', 'trigger', 'view') and sql is not null`.execute(
    db,
  )
  const { rows: oldColumns } = await sql<{
    name: string
  }>`select name from pragma_table_info(${table})`.execute(db)
  if (oldColumns.length === 0) throw new Error(`sqliteRebuildTable: table ${table} does not exist.`)

  await sql`PRAGMA defer_foreign_keys = ON`.execute(db)
  const createTemp = options.createSql.replace(
    /^(\s*CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?)("[^"]+"|`[^`]+`|\[[^\]]+\]|\S+)/i,
    `$1${quoteIdentifier(temp)}`,
  )
  await sql.raw(createTemp).execute(db)
  const { rows: newColumns } = await sql<{
    name: string
  }>`select name from pragma_table_info(${temp})`.execute(db)
  const oldNames = new Set(oldColumns.map((c) => c.name))
  const filled = newColumns.filter((c) => options.columns?.[c.name] !== undefined || oldNames.has(c.name))
  const targets = filled.map((c) => quoteIdentifier(c.name)).join(', ')
  const sources = filled.map((c) => options.columns?.[c.name] ?? quoteIdentifier(c.name)).join(', ')
  await sql
    .raw(`INSERT INTO ${quoteIdentifier(temp)} (${targets}) SELECT ${sources} FROM ${quoteIdentifier(table)}`)
    .execute(db)
  await sql.raw(`DROP TABLE ${quoteIdentifier(table)}`).execute(db)
  await sql.raw(options.createSql).execute(db)
  await sql
    .raw(`INSERT INTO ${quoteIdentifier(table)} (${targets}) SELECT ${targets} FROM ${quoteIdentifier(temp)}`)
    .execute(db)
  await sql.raw(`DROP TABLE ${quoteIdentifier(temp)}`).execute(db)
  const newNames = new Set(newColumns.map((c) => c.name))
  for (const row of schemaRows) {
    // An index or trigger on a dropped column cannot come back; the rest are recreated as they were.
    const mentionsDropped = [...oldNames].some(
      (name) => !newNames.has(name) && new RegExp(`\\b${name}\\b`).test(row.sql!),
    )
    if (!mentionsDropped) await sql.raw(row.sql!).execute(db)
  }
  const { rows: violations } = await sql<Record<string, unknown>>`PRAGMA foreign_key_check`.execute(db)
  if (violations.length) {
    throw new Error(
      `sqliteRebuildTable(${table}): ${violations.length} foreign key violation(s) after the rebuild, e.g. ${JSON.stringify(violations[0])}.`,
    )
  }
}
