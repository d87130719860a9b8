import { hostname } from 'node:os'
import { Kysely, type LogEvent, PostgresDialect, SqliteDialect, sql } from 'kysely'
import { type DatabaseKind, parseConnectionUrl, redactUrl, urlSecrets } from './connection-url.js'
import { LibsqlDialect } from './libsql-dialect.js'

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** libSQL auth token. Default is the `LIBSQL_AUTH_TOKEN` environment variable. */
  readonly authToken?: string
  /** Open SQLite and libSQL files read-only (sources are never modified). Default is `false`. */
  readonly readonly?: boolean
  /** PostgreSQL schema to use as `search_path`. Default is the server's default (`public`). */
  readonly schema?: string
  /** How long SQLite and libSQL files wait for another writer, in ms. Default is `10000`. */
  readonly busyTimeoutMs?: number
  /** Maximum PostgreSQL pool size. Default is `4`. */
  readonly poolSize?: number
}

/** Something that wants to see every query a connection runs (plan rehearsal, error reports). */
export type QueryListener = (event: LogEvent) => void

/** An open database: a Kysely instance plus what ledgerport needs to know about it. */
export interface DatabaseConnection {
  /** The engine. */
  readonly kind: DatabaseKind
  /** The Kysely instance. Untyped: ledgerport works on databases it does not know at compile time. */
  readonly db: Kysely<any>
  /** The URL with secrets redacted: safe to print. */
  readonly displayUrl: string
  /** The URL as given. Never print it. */
  readonly url: string
  /** For local SQLite and libSQL files: the file path. */
  readonly path?: string
  /** Strings that must never reach output (passwords, tokens). */
  readonly secrets: ReadonlyArray<string>
  /** The PostgreSQL schema in use, when one was chosen. */
  readonly schema?: string
  /**
   * PostgreSQL only: the node-postgres client behind `db` (a transaction or pinned connection), for
   * what Kysely does not do (COPY). Undefined on other engines.
   */
  readonly postgresClient?: (db: Kysely<any>) => Promise<import('pg').PoolClient>
  /**
   * SQLite (`sqlite:`) only: the better-sqlite3 database behind `db`, for prepared statements in hot
   * loops. It is the same single connection Kysely uses, so it sees (and joins) Kysely's open transaction.
   */
  readonly sqliteDatabase?: import('better-sqlite3').Database
  /** Subscribes to every query run on this connection; returns the unsubscribe function. */
  onQuery(listener: QueryListener): () => void
  /** Closes the connection (and its pool). */
  close(): Promise<void>
}

/**
 * Opens a database by URL: `postgres://…` (node-postgres pool), `sqlite:PATH` (better-sqlite3),
 * `file:PATH`, `libsql://…`, `http(s)://…` (@libsql/client). Drivers load on first use, so a
 * package that only touches one engine never loads the others.
 *
 * ```ts
 * const conn = await connect('sqlite:./ledgerport.db')
 * await conn.db.selectFrom('orders').selectAll().execute()
 * await conn.close()
 * ```
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<DatabaseConnection> {
  const parsed = parseConnectionUrl(url)
  const listeners = new Set<QueryListener>()
  const log = (event: LogEvent): void => {
    for (const listener of listeners) listener(event)
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000
  const authToken = options.authToken ?? process.env.LIBSQL_AUTH_TOKEN
  const secrets = [...urlSecrets(parsed.url), ...(authToken && parsed.kind === 'libsql' ? [authToken] : [])]
  let db: Kysely<any>
  let postgresClient: DatabaseConnection['postgresClient']
  let sqliteDatabase: DatabaseConnection['sqliteDatabase']

  if (parsed.kind === 'postgres') {
    const { default: pg } = await import('pg')
    const pool = new pg.Pool({
      connectionString: parsed.url,
      max: options.poolSize ?? 4,
      application_name: `ledgerport pid=${process.pid} host=${hostname()}`.slice(0, 63),
      ...(options.schema ? { options: `-c search_path=${quoteIdentifier(options.schema)}` } : {}),
    })
    const clients = new Map<number, import('pg').PoolClient>()
    pool.on('connect', (client) => {
      const pid = (client as unknown as { processID: number }).processID
      clients.set(pid, client as import('pg').PoolClient)
      client.on('end', () => clients.delete(pid))
    })
    postgresClient = async (executor) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(executor)
      const client = clients.get(Number(rows[0]?.pid))
      if (!client) throw new Error('No node-postgres client is known for this connection.')
      return client
    }
    pool.on('error', () => {
      // An idle client lost its server; the next query reports it. Without a listener, node exits.
    })
    db = new Kysely({ dialect: new PostgresDialect({ pool }), log })
  } else if (parsed.kind === 'sqlite') {
    const { default: Database } = await import('better-sqlite3')
    const database = new Database(parsed.path!, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    })
    database.pragma(`busy_timeout = ${busyTimeoutMs}`)
    sqliteDatabase = database
    db = new Kysely({ dialect: new SqliteDialect({ database }), log })
  } else {
    const { createClient } = await import('@libsql/client')
    const client = createClient({ url: parsed.url, ...(authToken ? { authToken } : {}) })
    if (!parsed.remote) await client.execute(`PRAGMA busy_timeout = ${busyTimeoutMs}`)
    // @libsql/client takes no read-only mode; query_only refuses every write on this connection.
    if (options.readonly && !parsed.remote) await client.execute('PRAGMA query_only = 1')
    db = new Kysely({ dialect: new LibsqlDialect({ client }), log })
  }

  return {
    kind: parsed.kind,
    db,
    url: parsed.url,
    displayUrl: redactUrl(parsed.url),
    ...(parsed.path ? { path: parsed.path } : {}),
    ...(options.schema ? { schema: options.schema } : {}),
    secrets,
    ...(postgresClient ? { postgresClient } : {}),
    ...(sqliteDatabase ? { sqliteDatabase } : {}),
    onQuery(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close() {
      await db.destroy()
    },
  }
}

/** Quotes an SQL identifier (double quotes, inner quotes doubled); valid on every engine ledgerport uses. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}
