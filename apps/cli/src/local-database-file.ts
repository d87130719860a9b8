import { existsSync, rmSync, statSync } from 'node:fs'
import { parseConnectionUrl } from '@ledgerport/core'

/**
 * The path of the local SQLite/libSQL file a URL names when that file does not exist yet (opening
 * it would create it), else undefined (a remote database, `:memory:`, a file that exists).
 */
export function missingLocalFile(url: string): string | undefined {
  try {
    const parsed = parseConnectionUrl(url)
    if (parsed.remote || !parsed.path || parsed.path === ':memory:') return undefined
    return existsSync(parsed.path) ? undefined : parsed.path
  } catch {
    return undefined
  }
}

/**
 * Removes a database file this command created (see {@link missingLocalFile}) and its journal files;
 * with `onlyIfEmpty`, only when nothing was written to it.
 */
export function removeCreatedFile(path: string, options: { onlyIfEmpty?: boolean } = {}): void {
  try {
    if (options.onlyIfEmpty && existsSync(path) && statSync(path).size > 0) return
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true })
  } catch {
    // Best effort: the command's own result is what matters.
  }
}
