import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely'
import type { LibsqlClient, LibsqlTransaction } from './driver-types.js'

/** Props of {@link LibsqlDialect}. */
export interface LibsqlDialectProps {
  /** An open `@libsql/client` client. The dialect closes it on `db.destroy()`. */
  readonly client: LibsqlClient
}

/**
 * A Kysely dialect over `@libsql/client`, for `file:`, `libsql://` and `http(s)://` databases.
 * Kysely transactions become libSQL interactive `write` transactions, so a migration's statements
 * commit or roll back together on a remote server too.
 */
export class LibsqlDialect implements Dialect {
  readonly #props: LibsqlDialectProps

  constructor(props: LibsqlDialectProps) {
    this.#props = props
  }

  createDriver(): Driver {
    return new LibsqlDriver(this.#props.client)
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter()
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db)
  }
}

class LibsqlDriver implements Driver {
  readonly #client: LibsqlClient
  readonly #connection: LibsqlConnection
  #queue: Promise<void> = Promise.resolve()
  #release: (() => void) | undefined

  constructor(client: LibsqlClient) {
    this.#client = client
    this.#connection = new LibsqlConnection(client)
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    // One logical connection, handed out to one user at a time, like Kysely's SQLite driver.
    const previous = this.#queue
    let release!: () => void
    this.#queue = new Promise<void>((resolve) => {
      release = resolve
    })
    await previous
    this.#release = release
    return this.#connection
  }

  async beginTransaction(): Promise<void> {
    await this.#connection.begin()
  }

  async commitTransaction(): Promise<void> {
    await this.#connection.commit()
  }

  async rollbackTransaction(): Promise<void> {
    await this.#connection.rollback()
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release
    this.#release = undefined
    release?.()
  }

  async destroy(): Promise<void> {
    this.#client.close()
  }
}

class LibsqlConnection implements DatabaseConnection {
  readonly #client: LibsqlClient
  #transaction: LibsqlTransaction | undefined

  constructor(client: LibsqlClient) {
    this.#client = client
  }

  async begin(): Promise<void> {
    this.#transaction = await this.#client.transaction('write')
  }

  async commit(): Promise<void> {
    const transaction = this.#transaction
    this.#transaction = undefined
    await transaction?.commit()
  }

  async rollback(): Promise<void> {
    const transaction = this.#transaction
    this.#transaction = undefined
    await transaction?.rollback()
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const statement = { sql: compiledQuery.sql, args: compiledQuery.parameters }
    const result = await (this.#transaction ?? this.#client).execute(statement)
    const rows = result.rows.map((row) => {
      const object: Record<string, unknown> = {}
      result.columns.forEach((column, index) => {
        object[column] = row[index]
      })
      return object as R
    })
    return {
      rows,
      numAffectedRows: BigInt(result.rowsAffected),
      insertId: result.lastInsertRowid,
    }
  }

  // biome-ignore lint/correctness/useYield: streaming is not offered by @libsql/client
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('libSQL connections do not stream query results; read in pages instead.')
  }
}
