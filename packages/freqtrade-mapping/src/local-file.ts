import {
  closeSync,
  constants,
  copyFileSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteFileSignature, sqliteFileStamp } from '@ledgerport/core'

/** How a database was opened: in place, or from a private copy of its files. */
export type OpenMode = 'direct' | 'snapshot'

/** Options of {@link LocalDatabaseFile}. */
export interface LocalFileOptions {
  /** Where snapshot copies go. Default is the OS temp folder. */
  readonly snapshotDir?: string
}

/**
 * Opens a database file with a driver, for {@link LocalDatabaseFile.open}.
 *
 * - `direct`: the bot's own file. Open it **read-only** (better-sqlite3 `readonly: true`, SQLite's
 *   `mode=ro`): a read-only connection never writes the database or its `-wal`, and never checkpoints.
 * - `snapshot`: a private copy. Open it read-write, so that SQLite may roll back a hot journal or
 *   create the `-shm` there.
 *
 * Read something (`sqlite_master`) before returning, so that a database that cannot be read fails
 * here, and close what was opened when it does. An error's SQLite result code name (`code`, as
 * better-sqlite3 gives it, or `extendedCode`, as `@libsql/client` does: `SQLITE_CANTOPEN`,
 * `SQLITE_READONLY_CANTINIT`, …) tells a lack of write access, which a snapshot avoids, from any
 * other failure.
 */
export type OpenFile<Connection> = (path: string, mode: OpenMode) => Connection | Promise<Connection>

/** A connection {@link LocalDatabaseFile.open} opened, and how. */
export interface OpenedFile<Connection> {
  /** What the {@link OpenFile} function returned. */
  readonly connection: Connection
  /** Whether it reads the file in place or a private copy of it. */
  readonly mode: OpenMode
}

const SIDE_FILES = ['-wal', '-journal'] as const
const SQLITE_MAGIC = 'SQLite format 3\u0000'
/** Errors of opening in place that a private copy avoids (no write access to the folder or the -shm). */
const COPY_INSTEAD = /^SQLITE_(CANTOPEN|READONLY|IOERR_SHM|IOERR_LOCK|PERM)/

/**
 * A Freqtrade database file, opened without ever changing it, whatever the driver (the driver
 * opens it: see {@link OpenFile}).
 *
 * - Its signature (core's `sqliteFileSignature`) is the inode, size, mtime (ns) and change counter
 *   of the database and its `-wal`/`-journal` files: a bot that wrote nothing has the same signature,
 *   so a sync can skip it with a `stat`.
 * - Freqtrade runs SQLite in WAL mode. When both `-wal` and `-shm` exist (the bot is running, or was
 *   killed), the file is opened in place, read-only: SQLite then reads the rows still only in the
 *   `-wal` and sees a consistent snapshot while the bot writes (its read marks go to the `-shm`, the
 *   shared-memory index every reader of the database writes to; the database and the `-wal` are
 *   never written, and a read-only connection never checkpoints).
 * - Otherwise a read-only connection would create a `-wal` and `-shm` beside the database (a WAL
 *   database whose bot stopped cleanly) or could not open it (no `-shm` next to a `-wal`, a folder or
 *   `-shm` it may not write to, a hot `-journal` to roll back). Then the database and its side files
 *   are copied to a private snapshot folder (a reflink where the file system can) and read from
 *   there; the copy is taken again if the files changed while they were copied.
 */
export class LocalDatabaseFile {
  /** The database file's path. */
  readonly path: string
  readonly #options: LocalFileOptions
  #snapshot: { signature: string; dir: string; path: string } | undefined

  /** The database at `path`; nothing is opened or copied until {@link open}. */
  constructor(path: string, options: LocalFileOptions = {}) {
    this.path = path
    this.#options = options
  }

  /**
   * What a checkpoint keeps to tell later whether the bot wrote since: core's
   * `sqliteFileSignature` (identity, size, mtime and change counter of the database and its
   * `-wal`/`-journal`), or `null` when the files were written too recently to tell.
   */
  signature(): string | null {
    return sqliteFileSignature(this.path)
  }

  /**
   * Opens the database with `openFile`: in place (read-only) when that is safe, else from a snapshot.
   *
   * @throws {Error} when the file is not a SQLite database, cannot be copied, or `openFile` fails for
   *   another reason than a lack of write access.
   */
  async open<Connection>(openFile: OpenFile<Connection>): Promise<OpenedFile<Connection>> {
    const header = readHeader(this.path)
    const walMode = header[18] === 2 || header[19] === 2
    const exists = (suffix: string) =>
      statSync(`${this.path}${suffix}`, { throwIfNoEntry: false }) !== undefined
    const hotJournal = (statSync(`${this.path}-journal`, { throwIfNoEntry: false })?.size ?? 0) > 0
    const inPlace = walMode ? exists('-wal') && exists('-shm') : !hotJournal
    if (inPlace) {
      try {
        return { connection: await openFile(this.path, 'direct'), mode: 'direct' }
      } catch (error) {
        if (!COPY_INSTEAD.test(sqliteCode(error))) throw error
      }
    }
    return { connection: await openFile(this.#takeSnapshot(), 'snapshot'), mode: 'snapshot' }
  }

  /** Removes the snapshot copy, if any. */
  close(): void {
    if (this.#snapshot) rmSync(this.#snapshot.dir, { recursive: true, force: true })
    this.#snapshot = undefined
  }

  #takeSnapshot(): string {
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = sqliteFileStamp(this.path)
      if (this.#snapshot?.signature === before) return this.#snapshot.path
      this.close()
      const dir = mkdtempSync(join(this.#options.snapshotDir ?? tmpdir(), 'ledgerport-freqtrade-'))
      const path = join(dir, 'snapshot.sqlite')
      try {
        copyFileSync(this.path, path, constants.COPYFILE_FICLONE)
        for (const suffix of SIDE_FILES) {
          const side = `${this.path}${suffix}`
          if (statSync(side, { throwIfNoEntry: false }))
            copyFileSync(side, `${path}${suffix}`, constants.COPYFILE_FICLONE)
        }
      } catch (error) {
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
      this.#snapshot = { signature: before, dir, path }
      if (sqliteFileStamp(this.path) === before) return path
    }
    throw new Error('it kept changing while it was being copied; run again')
  }
}

/** The SQLite result code name of a driver's error: the extended one where the driver gives both. */
function sqliteCode(error: unknown): string {
  const { code, extendedCode } = (error ?? {}) as { code?: unknown; extendedCode?: unknown }
  return String(extendedCode ?? code ?? '')
}

function readHeader(path: string): Buffer {
  const header = Buffer.alloc(100)
  const fd = openSync(path, 'r')
  let read: number
  try {
    read = readSync(fd, header, 0, 100, 0)
  } finally {
    closeSync(fd)
  }
  if (read === 0) return header // an empty file is an empty database to SQLite
  if (read < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
    throw new Error('it is not a SQLite database (its header is not "SQLite format 3")')
  }
  return header
}
