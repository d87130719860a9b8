/** Codes and messages by which each engine says its disk is full. */
const DISK_FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', '53100'])
const DISK_FULL_MESSAGE = /database or disk is full|no space left on device|could not extend file/i

/** The disk-full condition in `error` or its causes (SQLITE_FULL, ENOSPC, PostgreSQL 53100), if any. */
export function diskFullCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 8; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown }
    if (typeof code === 'string' && (DISK_FULL_CODES.has(code) || code.startsWith('SQLITE_FULL')))
      return code === '53100' ? 'PostgreSQL 53100 disk_full' : code
    if (typeof message === 'string' && DISK_FULL_MESSAGE.test(message))
      return /database or disk is full/i.test(message) ? 'SQLITE_FULL' : 'ENOSPC'
    current = cause
  }
  return undefined
}

/** Thrown instead of a driver's error when the target's disk is full. */
export class TargetDiskFullError extends Error {
  override readonly name = 'TargetDiskFullError'
}

/**
 * `error` as the user should read it: a full disk named as such, with what was kept and what to do
 * (the driver's own words can be `cannot rollback - no transaction is active`, SQLite having rolled
 * back by itself); any other error unchanged.
 */
export function describeTargetFault(error: unknown, targetUrl: string): unknown {
  if (error instanceof TargetDiskFullError) return error
  const code = diskFullCode(error)
  if (!code) return connectionLost(error, targetUrl)
  return new TargetDiskFullError(
    `The disk of the target ${targetUrl} is full (${code}): the batch being written was rolled back and everything committed before it is kept. Free disk space and run the same command again to resume.`,
    { cause: error },
  )
}

/**
 * A socket reset under a COPY stream (`read ECONNRESET`, `write EPIPE`: the backend was terminated or
 * the network cut before the server could say so) as the same one-line message a lost connection gets.
 */
function connectionLost(error: unknown, targetUrl: string): unknown {
  if (!(error instanceof Error)) return error
  const code = (error as { code?: unknown }).code
  if (code !== 'ECONNRESET' && code !== 'EPIPE' && !/\b(read ECONNRESET|write EPIPE)\b/.test(error.message))
    return error
  return new Error(
    `The connection to the target ${targetUrl} was closed (a terminated backend, a server restart or a network cut): ${error.message}. Run the command again once the server is back.`,
    { cause: error },
  )
}
