import { type Kysely, sql } from 'kysely'

/** True when the table exists in the main schema (SQLite and libSQL). */
export async function sqliteTableExists(db: Kysely<any>, table: string): Promise<boolean> {
  const { rows } = await sql<{
    name: string
  }>`select name from sqlite_master where type = 'table' and name = ${table}`.execute(db)
  return rows.length > 0
}
