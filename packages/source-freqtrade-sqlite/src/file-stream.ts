import type { Checkpoint, SourceBatch } from '@ledgerport/core'
import type { DatabaseFile, OpenDatabase } from './database-file.js'
import {
  countStream,
  parseCheckpoint,
  type ReadState,
  type StreamKind,
  type StreamSettings,
  streamBatches,
} from './freqtrade-streams.js'
import { loadSchema } from './schema.js'
import { SqliteRowReader } from './sqlite-row-reader.js'

/** How many source rows a stream of a database file reads (for progress and `verify`). */
export async function countFileStream(file: DatabaseFile, kind: StreamKind): Promise<number> {
  const { db } = file.open()
  try {
    const reader = new SqliteRowReader(db)
    return await countStream(reader, await loadSchema(reader), kind)
  } finally {
    db.close()
  }
}

/**
 * One stream of a database file, read in one read transaction after the last key of `from`; a
 * completed checkpoint whose file signature still holds reads nothing (that is how `ledgerport
 * sync` skips idle bots). Files written in the last second have no signature yet: they are read. Every error goes through `error`, to name the database.
 */
export async function* readFileStream(
  file: DatabaseFile,
  kind: StreamKind,
  from: Checkpoint | undefined,
  settings: StreamSettings,
  error: (cause: unknown) => Error,
): AsyncGenerator<SourceBatch> {
  const previous = parseCheckpoint(from)
  let db: OpenDatabase['db'] | undefined
  try {
    const files = file.signature()
    if (previous?.done && files !== null && previous.files === files) {
      yield { records: [], checkpoint: previous }
      return
    }
    const resume = previous && !previous.done ? previous : undefined
    const state: ReadState = {
      after: resume?.after ?? null,
      files: resume ? (resume.files === files ? files : null) : files,
    }
    db = file.open().db
    // The streams read each page once, in key order: SQLite's page cache (16 MB in better-sqlite3)
    // would only hold pages already read.
    db.pragma('cache_size = -2000')
    // One read transaction: the whole stream is one snapshot, even while the bot writes.
    db.exec('BEGIN')
    const reader = new SqliteRowReader(db)
    const batches = streamBatches(kind, { ...settings, reader, schema: await loadSchema(reader), state })
    // The batch is yielded straight from `next()`, never held in a variable (nor through `yield*`):
    // a suspended generator keeps those, and with them the batch the engine has already taken.
    while (batches.more) yield batches.next()
  } catch (cause) {
    throw error(cause)
  } finally {
    try {
      if (db?.inTransaction) db.exec('ROLLBACK')
    } finally {
      db?.close()
    }
  }
}
