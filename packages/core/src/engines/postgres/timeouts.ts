import type { ConnectOptions } from '../../db/connect-options.js'

/** The default PostgreSQL connect timeout: 10 s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/** How much longer than `statement_timeout` the client waits for a server that does not answer at all. */
export const STATEMENT_TIMEOUT_GRACE_MS = 5_000

/** The PostgreSQL time limits of one connection, in ms (`0` is no limit). */
export interface PostgresTimeouts {
  /** How long opening a connection may take. */
  readonly connectTimeoutMs: number
  /** The server's `statement_timeout` (the client waits {@link STATEMENT_TIMEOUT_GRACE_MS} longer). */
  readonly statementTimeoutMs: number
}

/**
 * Resolves the time limits of a PostgreSQL connection: the option, else the URL parameter
 * (`connect_timeout` in seconds as libpq reads it, `statement_timeout` in ms), else the default.
 * Throws a `TypeError` naming the parameter when a value is not a non-negative number.
 */
export function postgresTimeouts(url: string, options: ConnectOptions): PostgresTimeouts {
  let params: URLSearchParams
  try {
    params = new URL(url).searchParams
  } catch {
    params = new URLSearchParams()
  }
  const fromUrl = (name: string, scale: number): number | undefined => {
    const raw = params.get(name)
    if (raw === null || raw === '') return undefined
    const value = Number(raw)
    if (!Number.isFinite(value) || value < 0)
      throw new TypeError(
        `The PostgreSQL URL parameter ${name}=${raw} is not a non-negative number (${scale === 1000 ? 'seconds' : 'milliseconds'}).`,
      )
    return value * scale
  }
  return {
    connectTimeoutMs:
      options.connectTimeoutMs ?? fromUrl('connect_timeout', 1000) ?? DEFAULT_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: options.statementTimeoutMs ?? fromUrl('statement_timeout', 1) ?? 0,
  }
}

/**
 * Rewrites node-postgres's terse timeout and connection errors into a message that names the
 * server and says what to do; other errors come back unchanged.
 */
export function explainPostgresError(error: unknown, where: string, timeouts: PostgresTimeouts): unknown {
  if (!(error instanceof Error)) return error
  const message = error.message
  if (/connection timeout|timeout expired/i.test(message))
    return explained(
      `PostgreSQL at ${where} did not accept the connection within ${seconds(timeouts.connectTimeoutMs)} (connect timeout). Check that the server is up and the host and port are right, or raise --connect-timeout (0 waits forever).`,
      error,
    )
  if (/Query read timeout/i.test(message))
    return explained(
      `PostgreSQL at ${where} did not answer a statement within ${seconds(timeouts.statementTimeoutMs + STATEMENT_TIMEOUT_GRACE_MS)} (statement timeout plus 5 s). Check the server, or raise --statement-timeout (0 is no limit).`,
      error,
    )
  if (/canceling statement due to statement timeout/i.test(message))
    return explained(
      `A statement on PostgreSQL at ${where} ran longer than ${seconds(timeouts.statementTimeoutMs)} and was cancelled (statement timeout). Raise --statement-timeout (0 is no limit).`,
      error,
    )
  if (
    /Connection terminated unexpectedly|not queryable|terminating connection due to administrator command/i.test(
      message,
    )
  )
    return explained(
      `The connection to PostgreSQL at ${where} was closed (a terminated backend, a server restart or a network cut): ${message}. Run the command again once the server is back.`,
      error,
    )
  return error
}

/** A clearer error that keeps the original's SQLSTATE `code` (and the original as its cause). */
function explained(message: string, error: Error): Error {
  const code = (error as { code?: unknown }).code
  return Object.assign(new Error(message, { cause: error }), code === undefined ? {} : { code })
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`
}
