import { connect, parseConnectionUrl, SqlTarget, type TargetPlugin } from '@ledgerport/core'
import { sql } from 'kysely'
import { sqliteUpsert } from './sqlite-upsert.js'

/** Options of the SQLite target. */
export interface SqliteTargetOptions {
  /** Extra migrations folder applied after the canonical model (your own columns, indexes, views). */
  readonly modelMigrations?: string
}

/**
 * The SQLite target (better-sqlite3): WAL journal, one transaction per batch. The embedded default:
 * `sqlite:./ledgerport.db`. Decimals and times are TEXT, JSON is TEXT.
 */
export const target: TargetPlugin<SqliteTargetOptions> = {
  name: 'sqlite',
  summary: 'SQLite file (better-sqlite3, WAL): the embedded default sqlite:./ledgerport.db',
  options: {
    modelMigrations: {
      type: 'string',
      description: 'extra migrations folder applied after the canonical model',
    },
  },
  // The URLs connect() opens with better-sqlite3; `file:x.db` is libSQL's (target-turso).
  accepts: (url) => {
    try {
      return parseConnectionUrl(url).kind === 'sqlite'
    } catch {
      return false
    }
  },
  async create(url, options) {
    const connection = await connect(url)
    // WAL lets readers (dashboards, `ledgerport verify`) work while a run writes; NORMAL is durable in WAL.
    await sql`pragma journal_mode = wal`.execute(connection.db)
    await sql`pragma synchronous = normal`.execute(connection.db)
    // Random UUID keys touch B-tree pages all over every index; a 32 MB page cache keeps most of them in memory.
    await sql`pragma cache_size = -32768`.execute(connection.db)
    return new SqlTarget({
      connection,
      upsert: sqliteUpsert,
      ...(options.modelMigrations ? { extraMigrations: options.modelMigrations } : {}),
    })
  },
}
