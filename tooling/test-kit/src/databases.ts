import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import pg from 'pg'
import { startHranaServer } from './hrana-server.js'

const run = promisify(execFile)

/** The PostgreSQL server tests use: `LEDGERPORT_TEST_PG_URL`, else trust auth on 127.0.0.1:5432. */
export const TEST_POSTGRES_URL: string =
  process.env.LEDGERPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** A scratch database; `drop()` removes it. */
export interface ScratchDatabase {
  /** Its connection URL. */
  readonly url: string
  /** Its name (PostgreSQL) or file path (SQLite/libSQL). */
  readonly name: string
  /** Removes it. */
  drop(): Promise<void>
}

/** Creates an empty PostgreSQL database with a random name on the test server. */
export async function createPostgresDatabase(prefix = 'lp_test'): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`
  await adminQuery(`create database ${name}`)
  const url = new URL(TEST_POSTGRES_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  }
}

/** A temporary folder; `cleanup()` removes it. */
export async function createTempDir(
  prefix = 'ledgerport-test-',
): Promise<{ path: string; cleanup(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) }
}

/** The engines every migrator and target test runs on. */
export type TestEngine = 'postgres' | 'sqlite' | 'libsql' | 'libsql-http'

/** All engines, narrowed by `LEDGERPORT_TEST_ENGINES=postgres,sqlite` when set. */
export const TEST_ENGINES: ReadonlyArray<TestEngine> = (process.env.LEDGERPORT_TEST_ENGINES?.split(',') as
  | TestEngine[]
  | undefined) ?? ['postgres', 'sqlite', 'libsql', 'libsql-http']

/**
 * A fresh empty database on the given engine: a PostgreSQL database, a SQLite or libSQL file, or
 * (`libsql-http`) a file served by the Hrana-over-HTTP test server, reached by the real driver over
 * HTTP. When `LIBSQL_URL` is set, `libsql-http` uses that server instead, and `drop()` empties it.
 */
export async function createScratchDatabase(engine: TestEngine): Promise<ScratchDatabase> {
  if (engine === 'postgres') return createPostgresDatabase()
  if (engine === 'libsql-http' && process.env.LIBSQL_URL) return remoteLibsqlDatabase(process.env.LIBSQL_URL)
  const dir = await createTempDir()
  const path = join(dir.path, 'test.db')
  if (engine === 'libsql-http') {
    const server = await startHranaServer({ dbPath: path })
    return {
      url: server.url,
      name: path,
      drop: async () => {
        await server.close()
        await dir.cleanup()
      },
    }
  }
  return { url: `${engine === 'sqlite' ? 'sqlite' : 'file'}:${path}`, name: path, drop: dir.cleanup }
}

async function remoteLibsqlDatabase(url: string): Promise<ScratchDatabase> {
  const { createClient } = await import('@libsql/client')
  const empty = async (): Promise<void> => {
    const client = createClient({
      url,
      ...(process.env.LIBSQL_AUTH_TOKEN ? { authToken: process.env.LIBSQL_AUTH_TOKEN } : {}),
    })
    try {
      const { rows } = await client.execute(
        "select type, name from sqlite_master where name not like 'sqlite_%' and type in ('table', 'view')",
      )
      for (const row of rows) await client.execute(`drop ${String(row.type)} if exists "${String(row.name)}"`)
    } finally {
      client.close()
    }
  }
  await empty()
  return { url, name: url, drop: empty }
}

/**
 * A dump of a database's schema, for before/after comparisons: `pg_dump --schema-only` for
 * PostgreSQL, the `sqlite_master` rows for SQLite/libSQL files.
 */
export async function dumpSchema(database: ScratchDatabase): Promise<string> {
  if (database.url.startsWith('postgres')) {
    const { stdout } = await run('pg_dump', ['--schema-only', '--no-owner', database.url])
    return stdout.replace(/^(--.*|\\(un)?restrict .*)$/gm, '').replace(/\n{2,}/g, '\n')
  }
  if (!database.name.startsWith('/'))
    throw new Error(`dumpSchema needs a PostgreSQL database or a local file, not ${database.url}.`)
  const db = new Database(database.name, { readonly: true })
  try {
    return JSON.stringify(
      db.prepare('select type, name, tbl_name, sql from sqlite_master order by type, name').all(),
      null,
      1,
    )
  } finally {
    db.close()
  }
}

/** Runs a query on the test server's maintenance database. */
async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}
