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
