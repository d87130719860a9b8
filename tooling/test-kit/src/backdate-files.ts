import { statSync, utimesSync } from 'node:fs'

/**
 * Sets the times of a SQLite database and of its `-wal`, `-journal` and `-shm` (those that exist)
 * `ms` in the past, as if they had been written then. A file written within the last second has no
 * signature (`sqliteFileSignature` is `null`: it may still be changing), so a test that expects an
 * unchanged database to be skipped backdates it first.
 */
export function backdateFiles(path: string, ms = 2_000): void {
  const when = new Date(Date.now() - ms)
  for (const suffix of ['', '-wal', '-journal', '-shm']) {
    const file = `${path}${suffix}`
    if (statSync(file, { throwIfNoEntry: false })) utimesSync(file, when, when)
  }
}
