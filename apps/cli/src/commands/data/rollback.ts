import { RunLedger, rollbackRun, rollbackSource } from '@ledgerport/core'
import { Command, Option } from 'commander'
import { DEFAULT_TARGET_URL } from '../../options/data-options.js'
import { withTimeoutOptions } from '../../options/timeout-options.js'
import { confirm } from '../../output/confirm.js'
import { EXIT_FAILED, EXIT_OK, UsageError } from '../../output/exit-code.js'
import { printResultJson } from '../../output/print-result-json.js'
import { renderTable } from '../../output/render-table.js'
import { usingTarget } from '../../using-target.js'
import type { CommandContext } from '../migrate/command-context.js'

interface RollbackOptions {
  readonly to: string
  readonly schema?: string
  readonly cascade?: boolean
  readonly dryRun?: boolean
  readonly yes?: boolean
  readonly json?: boolean
  readonly source?: string
  readonly stream?: string
}

/** `ledgerport rollback RUN_ID`: delete what a run inserted and restore what it updated. */
export function rollbackCommand(context: CommandContext): Command {
  return withTimeoutOptions(new Command('rollback'))
    .description(
      'undo a run: delete the rows it inserted and restore the rows it updated (newest runs first with --cascade)',
    )
    .argument('[runId]', 'the run to undo (see `ledgerport runs`)')
    .option('--source <name>', 'instead of a run: remove everything this source wrote (e.g. json-files)')
    .option('--stream <name>', 'with --source: only what this stream wrote (e.g. pending_orders)')
    .addOption(
      new Option('--to <url>', 'target database URL').default(DEFAULT_TARGET_URL).env('LEDGERPORT_TO'),
    )
    .option('--schema <name>', 'PostgreSQL target: schema of the canonical tables')
    .option('--cascade', "also undo later runs that changed this run's rows, newest first")
    .option('--dry-run', 'say what would be undone; change nothing')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print a JSON report on stdout')
    .action(async (runId: string | undefined, options: RollbackOptions) => {
      const { terminal } = context
      if (options.source) return rollbackSourceAction(context, options)
      if (!runId)
        throw new UsageError('Give a RUN_ID (see `ledgerport runs`), or --source NAME [--stream NAME].')
      await usingTarget(options, async (target, displayUrl) => {
        if (
          !options.dryRun &&
          !(await confirm(terminal, `Roll back run ${runId} in ${displayUrl}?`, options.yes))
        ) {
          terminal.err('Cancelled.')
          return
        }
        const result = await rollbackRun(target, {
          runId,
          ...(options.cascade ? { cascade: true } : {}),
          ...(options.dryRun ? { dryRun: true } : {}),
        })
        context.setExitCode(result.error ? EXIT_FAILED : EXIT_OK)
        if (options.json) {
          printResultJson(terminal, 'rollback', result)
          return
        }
        if (result.error) {
          terminal.err(terminal.style.red(`error: ${result.error.message}`))
          return
        }
        const rows = result.runs.flatMap((run) => {
          const tables = new Set([...Object.keys(run.deleted), ...Object.keys(run.restored)])
          return [...tables].map((table) => [
            run.runId,
            table,
            String(run.deleted[table as never] ?? 0),
            String(run.restored[table as never] ?? 0),
          ])
        })
        terminal.out(result.dryRun ? 'DRY RUN: nothing was changed. Would undo:' : 'Undone:')
        terminal.out(
          rows.length ? renderTable(['run', 'table', 'deleted', 'restored'], rows) : 'The run wrote no rows.',
        )
        // Rows kept because later runs still reference them (the --user-id users row): say which runs.
        for (const note of result.notes) terminal.out(`note: ${note}`)
      })
    })
}

async function rollbackSourceAction(context: CommandContext, options: RollbackOptions): Promise<void> {
  const { terminal } = context
  const what = `everything ${options.source}${options.stream ? ` (stream ${options.stream})` : ''} wrote`
  await usingTarget(options, async (target, displayUrl) => {
    const ledger = new RunLedger(target.connection.kind)
    if (!(await ledger.listRuns(target.connection.db, { source: options.source!, limit: 1 })).length) {
      const known = [...new Set((await ledger.listRuns(target.connection.db)).map((run) => run.source))]
      throw new UsageError(
        `No run of source ${options.source} in ${displayUrl}: nothing was written under that name.` +
          (known.length
            ? ` Sources with runs here: ${known.join(', ')} (see \`ledgerport runs\`).`
            : ' This target has no runs yet.'),
      )
    }
    if (!options.dryRun && !(await confirm(terminal, `Remove ${what} from ${displayUrl}?`, options.yes))) {
      terminal.err('Cancelled.')
      return
    }
    const result = await rollbackSource(target, {
      source: options.source!,
      ...(options.stream ? { stream: options.stream } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
    })
    context.setExitCode(result.error ? EXIT_FAILED : EXIT_OK)
    if (options.json) {
      printResultJson(terminal, 'rollback', result)
      return
    }
    if (result.error) return terminal.err(terminal.style.red(`error: ${result.error.message}`))
    const rows = Object.entries(result.deleted).map(([table, count]) => [table, String(count)])
    terminal.out(result.dryRun ? `DRY RUN: nothing was changed. Would remove ${what}:` : `Removed ${what}:`)
    terminal.out(rows.length ? renderTable(['table', 'deleted'], rows) : 'Nothing to remove.')
  })
}
