import { type Kysely, sql } from 'kysely'
import type { DatabaseKind } from './connection-url.js'

/** True when the table exists (in the PostgreSQL `search_path`, or in the SQLite main schema). */
export async function tableExists(db: Kysely<any>, kind: DatabaseKind, table: string): Promise<boolean> {
  if (kind === 'postgres') {
    const { rows } = await sql<{
      found: string | null
    }>`select to_regclass(quote_ident(${table}))::text as found`.execute(db)
    return rows[0]?.found != null
  }
  const { rows } = await sql<{
    name: string
  }>`select name from sqlite_master where type = 'table' and name = ${table}`.execute(db)
  return rows.length > 0
}
