import { isAbsolute, relative } from 'node:path'

/**
 * A path as shown to users (in rejects, warnings, checkpoints): relative to the working directory
 * when inside it, else absolute.
 *
 * @example displayPath('/home/me', '/home/me/data/trades.json') // 'data/trades.json'
 */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path)
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel
}
