import { DataMigrator, type SourcePlugin } from '@ledgerport/core'
import { Command } from 'commander'
import { missingLocalFile, removeCreatedFile } from '../../local-database-file.js'
import {
  type DataOptions,
  DEFAULT_TARGET_URL,
  withDataOptions,
  withLockTimeout,
} from '../../options/data-options.js'
import { confirm } from '../../output/confirm.js'
import { EXIT_OK } from '../../output/exit-code.js'
import { printDataRun } from '../../output/print-data-run.js'
import { createProgress } from '../../output/progress.js'
import { runProps, usingDataRun } from '../../using-data-run.js'
import type { CommandContext } from '../migrate/command-context.js'
import { stopOnSignal } from '../stop-on-signal.js'

interface RunOptions extends DataOptions {
  readonly dryRun?: boolean
  readonly rejects?: string
  readonly resume?: string
  readonly fresh?: boolean
  readonly full?: boolean
  readonly streams?: string
}

/** `ledgerport run --from NAME …`: migrate a source's data into the canonical model of a target. */
export function runCommand(context: CommandContext, plugin: SourcePlugin<any> | undefined): Command {
  return withDataOptions(
    withLockTimeout(new Command('run')).description(
      'migrate a source into the canonical trading model of a target (default sqlite:./ledgerport.db)',
    ),
    plugin,
  )
    .option('--dry-run', 'do everything in a transaction that is rolled back; report what would happen')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--rejects <file>', 'JSONL file for rejected records (default ./ledgerport-rejects/RUN_ID.jsonl)')
    .option(
      '--resume <runId>',
      'resume this run (default: the unfinished run of the same source and options, if any)',
    )
    .option('--fresh', 'start a new run even if an unfinished one exists')
    .option(
      '--full',
      'compare every source row with the target, even rows the source knows are unchanged since the last run',
    )
    .option('--streams <names>', 'only these streams (comma-separated)')
    .action(async (options: RunOptions) => {
      const { terminal } = context
      // A dry run into a SQLite file that does not exist leaves no file (prepare would create it).
      const createdFile = options.dryRun
        ? missingLocalFile(String(options.to ?? DEFAULT_TARGET_URL))
        : undefined
      try {
        await usingDataRun(options, async (run) => {
          if (
            !options.dryRun &&
            !(await confirm(terminal, `Migrate ${run.plugin.name} into ${run.targetUrl}?`, options.yes))
          ) {
            terminal.err('Cancelled.')
            context.setExitCode(EXIT_OK)
            return
          }
          const progress = createProgress(!options.json)
          const stop = stopOnSignal(terminal)
          try {
            const result = await new DataMigrator({
              ...runProps(run, options, stop.signal, progress.enabled ? progress.update : undefined),
              ...(options.dryRun ? { dryRun: true } : {}),
              ...(options.resume ? { resumeRunId: options.resume } : {}),
              ...(options.fresh ? { fresh: true } : {}),
              ...(options.full ? { full: true } : {}),
              ...(options.streams ? { streams: options.streams.split(',').map((s) => s.trim()) } : {}),
            }).run()
            progress.done()
            const withWarnings = { ...result, warnings: [...run.warnings, ...result.warnings] }
            context.setExitCode(
              printDataRun(terminal, withWarnings, {
                source: run.plugin.name,
                target: run.targetUrl,
                json: options.json,
              }),
            )
          } finally {
            stop.dispose()
          }
        })
      } finally {
        if (createdFile) removeCreatedFile(createdFile)
      }
    })
}
