import type { Checkpoint, SourceBatch } from '@ledgerport/core'
import {
  countStream,
  LocalDatabaseFile,
  type LocalSession,
  loadSchema,
  type OpenMode,
  readLocalStream,
  type StreamKind,
  type StreamSettings,
} from '@ledgerport/freqtrade-mapping'
import { type Client, createClient } from '@libsql/client'
import { LibsqlRowReader } from './libsql-row-reader.js'

/** The schema a local database file is attached as. */
const SCHEMA = 'freqtrade'

/** Milliseconds to wait for a locked database file. */
const BUSY_TIMEOUT = 5_000

/**
 * A `file:` URL's database, read through `@libsql/client` without ever changing it. The client opens
 * files read-write (and, measured, leaves an empty `-wal` and a `-shm` next to a cleanly closed WAL
 * database), so the file is never the client's own database: the client opens an in-memory database
 * (one connection) and `ATTACH`es the file to it, read-only in place (`mode=ro`: no write, no
 * checkpoint, as freqtrade-sqlite's `readonly: true`), or read-write from the private snapshot the
 * mapping's {@link LocalDatabaseFile} takes where reading in place would create or change files.
 */
export class FileDatabase {
  /** The database file's path. */
  readonly path: string
  readonly #file: LocalDatabaseFile

  /** The database at `path`; nothing is opened or copied until it is read. */
  constructor(path: string) {
    this.path = path
    this.#file = new LocalDatabaseFile(path)
  }

  /** How many source rows a stream reads (for progress and `verify`). */
  async count(kind: StreamKind): Promise<number> {
    const client = await this.#open()
    try {
      const reader = new LibsqlRowReader(client, { schema: SCHEMA })
      return await countStream(reader, await loadSchema(reader), kind)
    } finally {
      client.close()
    }
  }

  /**
   * One stream, read in one read transaction after the last key of `from` (the mapping's
   * {@link readLocalStream}); a completed checkpoint whose file signature still holds reads nothing.
   * Every error goes through `error`, to name the database.
   */
  read(
    kind: StreamKind,
    from: Checkpoint | undefined,
    settings: StreamSettings,
    error: (cause: unknown) => Error,
  ): AsyncGenerator<SourceBatch> {
    return readLocalStream(this.#file, kind, from, settings, () => this.#begin(), error)
  }

  /** Removes the snapshot copy, if any. */
  close(): void {
    this.#file.close()
  }

  /** The client with the file attached, and its read transaction: the whole stream is one snapshot. */
  async #begin(): Promise<LocalSession> {
    const client = await this.#open()
    try {
      const transaction = await client.transaction('read')
      return {
        reader: new LibsqlRowReader(transaction, { schema: SCHEMA }),
        end: () => {
          try {
            transaction.close()
          } finally {
            client.close()
          }
        },
      }
    } catch (error) {
      client.close()
      throw error
    }
  }

  async #open(): Promise<Client> {
    const { connection } = await this.#file.open(attach)
    return connection
  }
}

/**
 * An in-memory client (`intMode: 'bigint'`, see {@link LibsqlRowReader}) with the database at `path`
 * attached as {@link SCHEMA}: read-only for the bot's own file, read-write for a snapshot copy. The
 * attached database is read once here, so a database that cannot be read fails now.
 */
async function attach(path: string, mode: OpenMode): Promise<Client> {
  // An in-memory database is one connection: what is attached to it stays for every later call.
  const client = createClient({ url: ':memory:', intMode: 'bigint' })
  try {
    await client.execute(`PRAGMA busy_timeout = ${BUSY_TIMEOUT}`)
    await client.execute({ sql: `ATTACH DATABASE ? AS ${SCHEMA}`, args: [fileUri(path, mode)] })
    await client.execute(`SELECT count(*) FROM ${SCHEMA}.sqlite_master`)
    return client
  } catch (error) {
    client.close()
    throw error
  }
}

/** SQLite's URI for a file path: `%`, `?` and `#` escaped, `mode=ro` for the bot's own file. */
function fileUri(path: string, mode: OpenMode): string {
  const escaped = path.replace(/[%?#]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
  return `file:${escaped}${mode === 'direct' ? '?mode=ro' : ''}`
}
