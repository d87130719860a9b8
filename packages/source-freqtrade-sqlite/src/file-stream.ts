import type { Checkpoint, SourceBatch } from '@ledgerport/core'
import {
  countStream,
  type LocalSession,
  loadSchema,
  readLocalStream,
  type StreamKind,
  type StreamSettings,
} from '@ledgerport/freqtrade-mapping'
import type { DatabaseFile } from './database-file.js'
import { SqliteRowReader } from './sqlite-row-reader.js'

/** How many source rows a stream of a database file reads (for progress and `verify`). */
export async function countFileStream(file: DatabaseFile, kind: StreamKind): Promise<number> {
  const { db } = await file.open()
  try {
    const reader = new SqliteRowReader(db)
    return await countStream(reader, await loadSchema(reader), kind)
  } finally {
    db.close()
  }
}

/**
 * One stream of a database file, read in one read transaction after the last key of `from` (the
 * mapping's {@link readLocalStream}); a completed checkpoint whose file signature still holds reads
 * nothing (that is how `ledgerport sync` skips idle bots). Every error goes through `error`, to name
 * the database.
 */
export function readFileStream(
  file: DatabaseFile,
  kind: StreamKind,
  from: Checkpoint | undefined,
  settings: StreamSettings,
  error: (cause: unknown) => Error,
): AsyncGenerator<SourceBatch> {
  return readLocalStream(file, kind, from, settings, () => beginRead(file), error)
}

/** Opens the database and its read transaction: the whole stream is one snapshot, even while the bot writes. */
async function beginRead(file: DatabaseFile): Promise<LocalSession> {
  const { db } = await file.open()
  try {
    // The streams read each page once, in key order: SQLite's page cache (16 MB in better-sqlite3)
    // would only hold pages already read.
    db.pragma('cache_size = -2000')
    db.exec('BEGIN')
  } catch (error) {
    db.close()
    throw error
  }
  return {
    reader: new SqliteRowReader(db),
    end: () => {
      try {
        if (db.inTransaction) db.exec('ROLLBACK')
      } finally {
        db.close()
      }
    },
  }
}
