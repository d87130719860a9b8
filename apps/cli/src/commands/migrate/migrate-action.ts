import type { Command } from 'commander'
import type { DatabaseOptions } from '../../options/database-options.js'
import { confirm } from '../../output/confirm.js'
import { EXIT_OK } from '../../output/exit-code.js'
import { printReports } from '../../output/print-reports.js'
import type { Terminal } from '../../output/terminal.js'
import { type MigratorWork, usingMigrators } from '../../using-migrators.js'

/** How a `migrate` command behaves around its work. */
export interface MigrateActionProps {
  readonly terminal: Terminal
  /** The command's name in reports. */
  readonly name: string
  /** Offer `--backup` before the work. */
  readonly backup?: boolean
  /** The command only reads: a missing SQLite file is not created (see `usingMigrators`). */
  readonly readOnly?: boolean
  /** Ask this question first (skipped by `--yes`; required without a TTY). */
  readonly confirm?: (options: DatabaseOptions, args: string[]) => string | undefined
  /** The work, given the positional arguments. */
  readonly work: (options: DatabaseOptions, args: string[]) => MigratorWork
  /** Where the exit code goes. */
  readonly setExitCode: (code: number) => void
}

/** Wires a `migrate` subcommand: confirmation, per-database work, output, exit code. */
export function migrateAction(props: MigrateActionProps) {
  return async (...input: unknown[]): Promise<void> => {
    const command = input.at(-1) as Command
    const options = command.opts<DatabaseOptions>()
    const args = command.args
    const question = props.confirm?.(options, args)
    if (question && !(await confirm(props.terminal, question, options.yes))) {
      props.terminal.err('Cancelled.')
      props.setExitCode(EXIT_OK)
      return
    }
    const reports = await usingMigrators(options, props.work(options, args), {
      backup: Boolean(props.backup),
      readOnly: Boolean(props.readOnly),
    })
    props.setExitCode(printReports(props.terminal, props.name, reports, options.json))
  }
}
