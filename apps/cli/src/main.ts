import { readFileSync } from 'node:fs'
import { redactSecrets, type SourcePlugin } from '@ledgerport/core'
import { Command, CommanderError } from 'commander'
import { pluginsCommand } from './commands/data/plugins.js'
import { replicateCommand } from './commands/data/replicate.js'
import { rollbackCommand } from './commands/data/rollback.js'
import { runCommand } from './commands/data/run.js'
import { runsCommand } from './commands/data/runs.js'
import { syncCommand } from './commands/data/sync.js'
import { verifyCommand } from './commands/data/verify.js'
import { migrateCommand } from './commands/migrate/index.js'
import { pluginCommand } from './commands/plugin/plugin-new.js'
import { loadDataConfig, loadSource } from './config-plugins.js'
import { type ModuleImporter, setPackageImporter } from './optional-package.js'
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './output/exit-code.js'
import { processTerminal, type Terminal } from './output/terminal.js'

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string
}

/** Options of {@link main}. */
export interface MainOptions {
  /**
   * Imports installed packages (plugins, `@ledgerport/replicate`). The `ledgerport` bundle passes
   * its own `import`, so the plugins it depends on resolve from it. Default is this package's `import`.
   */
  readonly importer?: ModuleImporter
}

/**
 * Runs the `ledgerport` command and returns its exit code: 0 ok, 1 failed, 2 usage.
 * This is the CLI's one error boundary: commands report through result sets, and anything thrown
 * ends here, redacted.
 */
export async function main(
  argv: ReadonlyArray<string>,
  terminal: Terminal = processTerminal(),
  options: MainOptions = {},
): Promise<number> {
  if (options.importer) setPackageImporter(options.importer)
  if (argv === process.argv) scrubProcessTitle(argv)
  let exitCode = EXIT_OK
  // A source's own flags depend on --from, so the plugin loads before the command line is parsed.
  let plugin: SourcePlugin<any> | undefined
  const from = fromArgument(argv)
  if (from) {
    try {
      plugin = await loadSource(from, await loadDataConfig(optionArgument(argv, '--config')))
    } catch (error) {
      terminal.err(terminal.style.red(`error: ${(error as Error).message}`))
      return EXIT_USAGE
    }
  }
  const context = {
    terminal,
    setExitCode: (code: number): void => {
      exitCode = code
    },
  }
  const program = new Command('ledgerport')
    .description('Move trading data and schemas between databases without losing a row or a digit.')
    .version(version)
    .showHelpAfterError('(add --help for usage)')
    .addCommand(migrateCommand(context))
    .addCommand(runCommand(context, plugin))
    .addCommand(verifyCommand(context, plugin))
    .addCommand(rollbackCommand(context))
    .addCommand(runsCommand(context))
    .addCommand(syncCommand(context, plugin))
    .addCommand(pluginsCommand(context))
    .addCommand(pluginCommand(context))
    .addCommand(replicateCommand(context))
  const exitOverride = (command: Command): void => {
    command.exitOverride().configureOutput({
      writeOut: (s) => terminal.out(s.trimEnd()),
      writeErr: (s) => terminal.err(s.trimEnd()),
    })
    for (const sub of command.commands) exitOverride(sub)
  }
  exitOverride(program)
  try {
    await program.parseAsync([...argv])
    return exitCode
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0 (on stdout); a missing command prints help on stderr and is a
      // usage error (exit 2), like every other misuse.
      return ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code) &&
        error.exitCode === 0
        ? EXIT_OK
        : EXIT_USAGE
    }
    const message = redactSecrets(error instanceof Error ? error.message : String(error), secretsInArgv(argv))
    terminal.err(terminal.style.red(`error: ${message}`))
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILED
  }
}

/**
 * Replaces the process title (`ps -ef`, `top`) with the command line minus its secrets: URL
 * passwords and tokens become `***`, and so do the values of secret flags. On Linux, node writes the
 * title over its own argv memory, so /proc/PID/cmdline changes too — but only from this moment:
 * whoever read the command line before start-up (shell history, audit logs, a `ps` in the first
 * milliseconds) saw it. The environment variables in docs/security.md keep secrets off it entirely.
 */
export function scrubProcessTitle(argv: ReadonlyArray<string>): void {
  const secrets = secretsInArgv(argv)
  const scrubbed = argv.slice(1).map((arg, index, args) => {
    const previous = args[index - 1]
    if (previous && /^--((from-|to-)?auth-token|password|token)$/.test(previous)) return '***'
    return redactSecrets(arg, secrets)
  })
  if (!argv.some((arg, index) => index > 0 && scrubbed[index - 1] !== arg)) return
  try {
    process.title = ['ledgerport', ...scrubbed.slice(1)].join(' ')
  } catch {
    // Some platforms do not let a process rename itself: nothing more can be done from here.
  }
}

function secretsInArgv(argv: ReadonlyArray<string>): string[] {
  const secrets: string[] = []
  argv.forEach((arg, index) => {
    if (/^--((from-|to-)?auth-token|password|token)$/.test(arg) && argv[index + 1])
      secrets.push(argv[index + 1]!)
    const inline = /^--((from-|to-)?auth-token|password|token)=(.+)$/.exec(arg)?.[3]
    if (inline) secrets.push(inline)
  })
  for (const name of ['LIBSQL_AUTH_TOKEN', 'LEDGERPORT_FROM_AUTH_TOKEN', 'LEDGERPORT_TO_AUTH_TOKEN']) {
    const value = process.env[name]
    if (value) secrets.push(value)
  }
  return secrets
}

/** The `--from` of a command that takes a source plugin (`replicate --from` is a database URL). */
function fromArgument(argv: ReadonlyArray<string>): string | undefined {
  const command = argv.slice(2).find((arg) => !arg.startsWith('-'))
  if (!command || !['run', 'verify', 'sync'].includes(command)) return undefined
  return optionArgument(argv, '--from')
}

/** The value of a `--flag VALUE` or `--flag=VALUE` on the command line, read before it is parsed. */
function optionArgument(argv: ReadonlyArray<string>, flag: string): string | undefined {
  const index = argv.findIndex((arg) => arg === flag || arg.startsWith(`${flag}=`))
  if (index === -1) return undefined
  const arg = argv[index]!
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1]
}
