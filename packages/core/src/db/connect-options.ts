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
  /**
   * How long opening a PostgreSQL connection may take (TCP, TLS, authentication), in ms; `0` waits
   * forever. Default is the URL's `connect_timeout` (seconds, as libpq reads it), else `10000`.
   */
  readonly connectTimeoutMs?: number
  /**
   * The longest one PostgreSQL statement may run, in ms (the server's `statement_timeout`; the client
   * also gives up 5 s later when the server does not answer at all); `0` is no limit. Default is the
   * URL's `statement_timeout` (ms), else `0`.
   */
  readonly statementTimeoutMs?: number
}
