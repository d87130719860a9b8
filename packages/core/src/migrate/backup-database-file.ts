import { sql } from 'kysely'
import type { DatabaseConnection } from '../db/connect.js'

/**
 * Writes a consistent copy of a SQLite or libSQL file next to it (`NAME.backup-YYYYMMDDTHHMMSSZ`)
 * with `VACUUM INTO`, which reads one snapshot even while other processes write. Returns the copy's
 * path. Throws for PostgreSQL and remote libSQL, which have no file to copy.
 */
export async function backupDatabaseFile(
  connection: DatabaseConnection,
  now: Date = new Date(),
): Promise<string> {
  if (!connection.path || connection.path === ':memory:') {
    throw new Error(
      `--backup works on SQLite and libSQL files; ${connection.displayUrl} is not a file. Use your server's backup tools.`,
    )
  }
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  const path = `${connection.path}.backup-${stamp}`
  await sql.raw(`VACUUM INTO '${path.replace(/'/g, "''")}'`).execute(connection.db)
  return path
}
