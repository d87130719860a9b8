import { Kysely } from 'kysely'
import type { Engine } from '../engine.js'
import { loadDriver } from '../load-driver.js'
import { sqliteTableExists } from '../sqlite/introspect.js'
import { libsqlCapabilities } from './capabilities.js'
import { LibsqlDialect } from './dialect.js'
import type { LibsqlClient } from './driver-types.js'

/** libSQL / Turso through @libsql/client (an optional peer): `file:`, `libsql://`, `http(s)://`. */
export const libsqlEngine: Engine = {
  capabilities: libsqlCapabilities,
  async open(parsed, options) {
    const { createClient } = await loadDriver(
      '@libsql/client',
      'file:, libsql:// and https:// URLs',
      () => import('@libsql/client'),
    )
    const client = createClient({
      url: parsed.url,
      ...(options.authToken ? { authToken: options.authToken } : {}),
    }) as unknown as LibsqlClient
    if (!parsed.remote) await client.execute(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 10_000}`)
    // @libsql/client takes no read-only mode; query_only refuses every write on this connection.
    if (options.readonly && !parsed.remote) await client.execute('PRAGMA query_only = 1')
    return { db: new Kysely({ dialect: new LibsqlDialect({ client }), log: options.log }) }
  },
  tableExists: sqliteTableExists,
  fileUrl: (path) => `file:${path}`,
}
