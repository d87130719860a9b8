import { type Command, Option } from 'commander'
import { UsageError } from '../output/exit-code.js'

/** The PostgreSQL time limits a command passes to `connect()`, in ms. */
export interface TimeoutConnectOptions {
  /** `--connect-timeout` in ms. */
  readonly connectTimeoutMs?: number
  /** `--statement-timeout` in ms. */
  readonly statementTimeoutMs?: number
}

/**
 * Adds `--connect-timeout <seconds>` and `--statement-timeout <seconds>` (PostgreSQL; also read from
 * `LEDGERPORT_CONNECT_TIMEOUT` and `LEDGERPORT_STATEMENT_TIMEOUT`) to a command.
 */
export function withTimeoutOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--connect-timeout <seconds>',
        "PostgreSQL: how long to wait for a connection (default: the URL's connect_timeout, else 10; 0 waits forever)",
      ).env('LEDGERPORT_CONNECT_TIMEOUT'),
    )
    .addOption(
      new Option(
        '--statement-timeout <seconds>',
        "PostgreSQL: the longest one statement may run (default: the URL's statement_timeout, else no limit)",
      ).env('LEDGERPORT_STATEMENT_TIMEOUT'),
    )
}

/** The parsed `--connect-timeout` and `--statement-timeout`; a `UsageError` names a bad value. */
export function timeoutConnectOptions(options: {
  readonly connectTimeout?: unknown
  readonly statementTimeout?: unknown
}): TimeoutConnectOptions {
  return {
    ...ms('--connect-timeout', options.connectTimeout, 'connectTimeoutMs'),
    ...ms('--statement-timeout', options.statementTimeout, 'statementTimeoutMs'),
  }
}

function ms(flag: string, value: unknown, key: keyof TimeoutConnectOptions): TimeoutConnectOptions {
  if (value === undefined) return {}
  const seconds = Number(value)
  if (String(value).trim() === '' || !Number.isFinite(seconds) || seconds < 0)
    throw new UsageError(`${flag} ${String(value)} is not a number of seconds (0 is no limit).`)
  return { [key]: Math.round(seconds * 1000) }
}
