import { LocalDatabaseFile, type OpenMode } from '@ledgerport/freqtrade-mapping'
import Database from 'better-sqlite3'

/** An open, read-only view of a bot's database. */
export interface OpenDatabase {
  /** The better-sqlite3 connection: read-only in place, or read-write on a private snapshot. */
  readonly db: Database.Database
  /** Whether it reads the file in place or a private copy of it. */
  readonly mode: OpenMode
}

/** Options of {@link DatabaseFile}. */
export interface DatabaseFileOptions {
  /** Where snapshot copies go. Default is the OS temp folder. */
  readonly snapshotDir?: string
  /** Milliseconds to wait for a lock. */
  readonly busyTimeout: number
}

/**
 * A Freqtrade database file opened with better-sqlite3, without ever changing it: the mapping's
 * {@link LocalDatabaseFile} decides whether it is read in place (`readonly: true`) or from a private
 * snapshot, and keeps its signature; this opens the connection.
 */
export class DatabaseFile {
  /** The database file's path. */
  readonly path: string
  readonly #file: LocalDatabaseFile
  readonly #busyTimeout: number

  /** The database at `path`; nothing is opened or copied until {@link open}. */
  constructor(path: string, options: DatabaseFileOptions) {
    this.path = path
    this.#file = new LocalDatabaseFile(
      path,
      options.snapshotDir !== undefined ? { snapshotDir: options.snapshotDir } : {},
    )
    this.#busyTimeout = options.busyTimeout
  }

  /** The files' signature, or `null` when they were written too recently to tell (see {@link LocalDatabaseFile.signature}). */
  signature(): string | null {
    return this.#file.signature()
  }

  /** Opens the database read-only, in place when that is safe, else from a snapshot. */
  async open(): Promise<OpenDatabase> {
    const { connection, mode } = await this.#file.open((path, how) => {
      const db = new Database(path, {
        readonly: how === 'direct',
        fileMustExist: true,
        timeout: this.#busyTimeout,
      })
      if (how === 'direct') {
        try {
          db.prepare('SELECT count(*) FROM sqlite_master').get()
        } catch (error) {
          db.close()
          throw error
        }
      }
      return db
    })
    return { db: connection, mode }
  }

  /** Removes the snapshot copy, if any. */
  close(): void {
    this.#file.close()
  }
}
