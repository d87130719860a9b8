import { type Kysely, sql } from 'kysely'

/** True when the table is visible in the PostgreSQL `search_path`. */
export async function postgresTableExists(db: Kysely<any>, table: string): Promise<boolean> {
  const { rows } = await sql<{
    found: string | null
  }>`select to_regclass(quote_ident(${table}))::text as found`.execute(db)
  return rows[0]?.found != null
}
