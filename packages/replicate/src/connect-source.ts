import { type ConnectOptions, connect, type DatabaseConnection, parseConnectionUrl } from '@ledgerport/core'

/**
 * Opens a `replicate` source read-only. A local libSQL file (`file:PATH`) is a SQLite file, and
 * `@libsql/client` has no read-only mode, so it is opened like `sqlite:PATH`: with better-sqlite3,
 * read-only. Remote libSQL and PostgreSQL sources are opened as they are and only read.
 */
export function connectSource(url: string, options: ConnectOptions = {}): Promise<DatabaseConnection> {
  const parsed = parseConnectionUrl(url)
  if (parsed.kind === 'libsql' && !parsed.remote && parsed.path && parsed.path !== ':memory:')
    return connect(`sqlite:${parsed.path}`, { ...options, readonly: true })
  return connect(url, { ...options, readonly: true })
}
