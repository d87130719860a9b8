import { optionFlag, type SourcePlugin } from '@ledgerport/core'
import { type Command, Option } from 'commander'
import { UsageError } from '../output/exit-code.js'
import { withTimeoutOptions } from './timeout-options.js'

/** Flags shared by `run`, `verify`, `sync` and `rollback --source`. */
export interface DataOptions {
  readonly from?: string
  readonly to?: string
  readonly userId?: string
  readonly schema?: string
  readonly toAuthToken?: string
  readonly timezone?: string
  readonly batchSize?: string
  readonly json?: boolean
  readonly yes?: boolean
  readonly config?: string
  readonly connectTimeout?: string
  readonly statementTimeout?: string
  readonly [flag: string]: unknown
}

/** The embedded default target. */
export const DEFAULT_TARGET_URL = 'sqlite:./ledgerport.db'

/** Adds `--from`, `--to` and the common data flags, plus the loaded source plugin's own flags. */
export function withDataOptions(command: Command, plugin: SourcePlugin<any> | undefined): Command {
  command
    .requiredOption(
      '--from <source>',
      'source plugin: a built-in name (json-files, …), a package, or a path to a module',
    )
    .addOption(
      new Option('--to <url>', 'target database URL').default(DEFAULT_TARGET_URL).env('LEDGERPORT_TO'),
    )
    .addOption(
      new Option('--to-auth-token <token>', 'libSQL/Turso target: auth token (secret)').env(
        'LEDGERPORT_TO_AUTH_TOKEN',
      ),
    )
    .option('--schema <name>', 'PostgreSQL target: schema for the canonical tables (created if missing)')
    .option('--user-id <id>', 'link every row to this user (creates one users row, source cli)')
    .option('--timezone <zone>', 'IANA zone of naive source times', 'UTC')
    .option('--batch-size <n>', 'records per batch', '5000')
    .option('--json', 'print a JSON report on stdout')
    .option(
      '--config <file>',
      'config file whose plugins.sources / plugins.targets name your own plugins (default: ./ledgerport.config.{ts,mts,js,mjs,json}, the first present)',
    )
  withTimeoutOptions(command)
  for (const [name, spec] of Object.entries(plugin?.options ?? {})) {
    const flag = optionFlag(name, spec)
    const value = spec.type === 'boolean' ? '' : spec.type === 'string[]' ? ' <values...>' : ' <value>'
    const option = new Option(
      `--${flag}${value}`,
      `[${plugin!.name}] ${spec.description}${spec.secret ? ' (secret)' : ''}`,
    )
    if (spec.env) option.env(spec.env)
    if (spec.default !== undefined && !spec.secret) option.default(spec.default)
    command.addOption(option)
  }
  return command
}

/** The raw values of the plugin's own flags, by option name. */
export function pluginFlagValues(
  plugin: SourcePlugin<any>,
  options: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const raw: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(plugin.options)) {
    // commander stores --data-dir as dataDir
    const attribute = optionFlag(name, spec).replace(/-([a-z])/g, (_m, ch: string) => ch.toUpperCase())
    if (options[attribute] !== undefined) raw[name] = options[attribute]
  }
  return raw
}

/** Adds `--lock-timeout <seconds>` (run, sync, replicate). */
export function withLockTimeout(command: Command): Command {
  return command.option(
    '--lock-timeout <seconds>',
    'wait this long for another process running the same source and options into the target (default 0: stop at once)',
  )
}

/** `--lock-timeout` in ms (default 0). */
export function lockTimeoutMs(options: object): number {
  const { lockTimeout } = options as { lockTimeout?: unknown }
  if (lockTimeout === undefined) return 0
  const seconds = Number(lockTimeout)
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new UsageError(`--lock-timeout ${String(lockTimeout)} is not a number of seconds.`)
  return Math.round(seconds * 1000)
}
