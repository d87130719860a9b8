import { type Command, Option } from 'commander'
import { withTimeoutOptions } from './timeout-options.js'

/** Flags shared by every `migrate` command. */
export interface DatabaseOptions {
  readonly url?: string
  readonly migrations?: string
  readonly db?: string[]
  readonly all?: boolean
  readonly glob?: string
  readonly config?: string
  readonly authToken?: string
  readonly schema?: string
  readonly table?: string
  readonly lockTimeout?: string
  readonly allowUnordered?: boolean
  readonly json?: boolean
  readonly yes?: boolean
  readonly backup?: boolean
  readonly connectTimeout?: string
  readonly statementTimeout?: string
}

/** Adds the database-selection and output flags to a command. */
export function withDatabaseOptions(command: Command): Command {
  command
    .option(
      '--url <url>',
      "database URL (postgres://…, sqlite:PATH, file:PATH, libsql://…); default: the config's default database, else sqlite:./ledgerport.db",
    )
    .option('--migrations <dir>', "migrations folder (default: the config's, else ./migrations)")
    .option(
      '--db <name>',
      'a database named in ledgerport.config.ts (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--all', 'every database named in ledgerport.config.ts')
    .option('--glob <pattern>', "every SQLite file matching the pattern, e.g. 'bots/*/tradesv3.sqlite'")
    .option(
      '--config <file>',
      'config file (default: ./ledgerport.config.{ts,mts,js,mjs,json}, the first present)',
    )
    .addOption(new Option('--auth-token <token>', 'libSQL auth token').env('LIBSQL_AUTH_TOKEN'))
    .option('--schema <name>', 'PostgreSQL schema (search_path)')
    .option(
      '--table <name>',
      "ledger table (default: the config's migrations.tableName, else ledgerport_migrations)",
    )
    .option(
      '--lock-timeout <seconds>',
      "how long to wait for another migrating process (default: the config's migrations.lockTimeoutMs, else 60)",
    )
    .option(
      '--allow-unordered',
      "apply pending migrations that sort before applied ones (default: the config's migrations.allowUnordered)",
    )
    .option('--json', 'print a JSON report on stdout (stable shape, see docs/cli.md)')
    .option('-y, --yes', 'do not ask for confirmation')
  return withTimeoutOptions(command)
}

/** Adds `--backup` (SQLite/libSQL files) to a command that changes the schema. */
export function withBackupOption(command: Command): Command {
  return command.option(
    '--backup',
    "copy each SQLite/libSQL file (VACUUM INTO) before changing it; prints the copy's path",
  )
}
