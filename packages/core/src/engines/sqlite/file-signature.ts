import { closeSync, openSync, readSync, statSync } from 'node:fs'

const SIDE_FILES = ['-wal', '-journal'] as const
/**
 * How recent a write may be for the signature to be trusted. A file's mtime advances in clock ticks
 * (a few ms), so a write in the same tick as the stat would leave it equal; a file written this
 * recently may still be changing anyway.
 */
const SETTLE_MS = 1_000

/**
 * A SQLite database file's signature, or `null` when the file was written too recently to tell.
 * It is the file's {@link sqliteFileStamp}: any write changes it (a WAL write grows or touches the
 * `-wal`; a commit outside WAL mode bumps the header's change counter; a checkpoint rewrites the
 * file), so an equal signature means the database holds what it held before, and a reader may skip
 * it.
 *
 * @throws when the file cannot be read.
 */
export function sqliteFileSignature(path: string, now: number = Date.now()): string | null {
  const { stamp, newestMs } = stampOf(path)
  return now - newestMs < SETTLE_MS ? null : stamp
}

/**
 * The inode, size, mtime (ns) and header change counter of a SQLite database file, and the size and
 * mtime of its `-wal` and `-journal` (an empty `-wal` counts as none: both mean everything is in the
 * main file). Two equal stamps taken a moment apart mean nothing was written in between, e.g. while
 * the file was copied; to skip a file later, use {@link sqliteFileSignature}.
 *
 * @throws when the file cannot be read.
 */
export function sqliteFileStamp(path: string): string {
  return stampOf(path).stamp
}

function stampOf(path: string): { stamp: string; newestMs: number } {
  const main = statSync(path, { bigint: true })
  const parts = [`${main.ino}:${main.size}:${main.mtimeNs}:${changeCounter(path)}`]
  let newestMs = Number(main.mtimeMs)
  for (const suffix of SIDE_FILES) {
    const side = statSync(`${path}${suffix}`, { bigint: true, throwIfNoEntry: false })
    if (side && side.size > 0n) {
      parts.push(`${side.size}:${side.mtimeNs}`)
      newestMs = Math.max(newestMs, Number(side.mtimeMs))
    } else parts.push('-')
  }
  return { stamp: parts.join('|'), newestMs }
}

/** The header's file change counter (bytes 24–27), which every commit outside WAL mode increments. */
function changeCounter(path: string): number {
  const header = Buffer.alloc(28)
  const fd = openSync(path, 'r')
  try {
    return readSync(fd, header, 0, 28, 0) === 28 ? header.readUInt32BE(24) : 0
  } finally {
    closeSync(fd)
  }
}
