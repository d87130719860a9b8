import { randomBytes } from 'node:crypto'
import { userInfo } from 'node:os'
import pg from 'pg'

/**
 * The PostgreSQL database the install checks write into: `HOUSE_CHECK_PG_URL`, else the `test`
 * database on 127.0.0.1:5432 (trust auth, as CI starts it). Each check works in a schema of its own.
 * A URL without a user gets `PGUSER`, else the OS user, as psql would: node-postgres falls back to
 * `$USER` only, which a container may not set.
 */
export const HOUSE_CHECK_PG_URL: string = withUser(
  process.env.HOUSE_CHECK_PG_URL ?? 'postgres://127.0.0.1:5432/test',
)

function withUser(text: string): string {
  const url = new URL(text)
  if (url.username) return text
  url.username = encodeURIComponent(process.env.PGUSER || userInfo().username)
  return url.toString()
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`

/** Runs one statement on {@link HOUSE_CHECK_PG_URL}. */
export async function query<R extends pg.QueryResultRow = Record<string, unknown>>(
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: HOUSE_CHECK_PG_URL, connectionTimeoutMillis: 10_000 })
  await client.connect()
  try {
    return (await client.query<R>(text, values)).rows
  } finally {
    await client.end()
  }
}

/** Fails with a clear message when PostgreSQL is not reachable (nothing is skipped). */
export async function assertPostgresReachable(): Promise<void> {
  try {
    await query('select 1')
  } catch (error) {
    throw new Error(
      `PostgreSQL is unreachable at ${HOUSE_CHECK_PG_URL} (${(error as Error).message}). The install checks need it: start PostgreSQL 15 on 127.0.0.1:5432 with trust auth and a database named test (CI does), or set HOUSE_CHECK_PG_URL.`,
    )
  }
}

/** A uniquely named schema name (`house_check_<hex>`); {@link dropSchema} removes it. */
export function uniqueSchemaName(label: string): string {
  return `house_check_${label}_${randomBytes(5).toString('hex')}`
}

export async function createSchema(name: string): Promise<void> {
  await query(`create schema ${quote(name)}`)
}

export async function dropSchema(name: string): Promise<void> {
  await query(`drop schema if exists ${quote(name)} cascade`)
}

/**
 * Row counts of `tables` in `schema` (`null` for a table that does not exist), with `where` applied
 * to each count when given.
 */
export async function countRows(
  schema: string,
  tables: ReadonlyArray<string>,
  where?: string,
): Promise<Record<string, number | null>> {
  const counts: Record<string, number | null> = {}
  for (const table of tables) {
    const [exists] = await query<{ n: string }>(
      'select count(*) as n from information_schema.tables where table_schema = $1 and table_name = $2',
      [schema, table],
    )
    if (Number(exists?.n) === 0) {
      counts[table] = null
      continue
    }
    const [row] = await query<{ n: string }>(
      `select count(*) as n from ${quote(schema)}.${quote(table)}${where ? ` where ${where}` : ''}`,
    )
    counts[table] = Number(row?.n)
  }
  return counts
}
