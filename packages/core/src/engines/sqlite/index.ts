import { Kysely, SqliteDialect } from 'kysely'
import type { Engine } from '../engine.js'
import { loadDriver } from '../load-driver.js'
import { sqliteCapabilities } from './capabilities.js'
import type { SqliteDatabase } from './driver-types.js'
import { sqliteTableExists } from './introspect.js'

/** SQLite through better-sqlite3 (an optional peer). */
export const sqliteEngine: Engine = {
  capabilities: sqliteCapabilities,
  async open(parsed, options) {
    const { default: Database } = await loadDriver(
      'better-sqlite3',
      'sqlite: URLs',
      () => import('better-sqlite3'),
    )
    const database = new Database(parsed.path!, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    })
    database.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`)
    return {
      db: new Kysely({ dialect: new SqliteDialect({ database }), log: options.log }),
      sqliteDatabase: database as unknown as SqliteDatabase,
    }
  },
  tableExists: sqliteTableExists,
  fileUrl: (path) => `sqlite:${path}`,
}
