import { DataMigrator, type SourcePlugin } from '@ledgerport/core'
import { Command } from 'commander'
import { type DataOptions, withDataOptions, withLockTimeout } from '../../options/data-options.js'
import { EXIT_FAILED, EXIT_OK, UsageError } from '../../output/exit-code.js'
import { parseInterval, sleep } from '../../output/interval.js'
import { printDataRun } from '../../output/print-data-run.js'
import { createProgress } from '../../output/progress.js'
import { type DataRun, runProps, usingDataRun } from '../../using-data-run.js'
import type { CommandContext } from '../migrate/command-context.js'
import { stopOnSignal } from '../stop-on-signal.js'
import { syncStatusCommand } from './sync-status.js'

interface SyncOptions extends DataOptions {
  readonly every?: string
  readonly full?: boolean
  readonly rejects?: string
}

/**
 * `ledgerport sync --from NAME … [--every 5m]`: the run, repeated (or once, for cron). Each pass is an
 * incremental run: every stream continues from its stored checkpoint, so a source skips what has not
 * changed (freqtrade-sqlite: a bot whose files are unchanged) and row hashes keep unchanged rows unwritten.
 */
export function syncCommand(context: CommandContext, plugin: SourcePlugin<any> | undefined): Command {
  const command = withDataOptions(
    withLockTimeout(new Command('sync')).description(
      'run a source into a target repeatedly, writing only what changed',
    ),
    plugin,
  )
  // `sync status` needs no source: --from is checked by the sync action instead.
  for (const option of command.options) if (option.long === '--from') option.mandatory = false
  return command
    .option('--every <interval>', 'repeat every interval (30s, 5m, 1h); without it, sync once (for cron)')
    .option(
      '--full',
      'read every stream in full and compare every row, even where the source has not changed',
    )
    .option('--rejects <file>', 'JSONL file for rejected records (default ./ledgerport-rejects/RUN_ID.jsonl)')
    .option('-y, --yes', 'accepted as by run (sync never asks for confirmation)')
    .action(async (options: SyncOptions) => {
      if (!options.from) throw new UsageError("required option '--from <source>' not specified")
      const every = options.every === undefined ? undefined : parseInterval(options.every, '--every')
      const stop = stopOnSignal(context.terminal)
      try {
        do {
          const started = Date.now()
          try {
            context.setExitCode(
              await usingDataRun(options, (run) => syncOnce(context, run, options, stop.signal)),
            )
          } catch (error) {
            if (every === undefined) throw error
            context.terminal.err(context.terminal.style.red(`error: ${(error as Error).message}`))
            context.setExitCode(EXIT_FAILED)
          }
          if (every !== undefined && !stop.signal.aborted)
            await sleep(every - (Date.now() - started), stop.signal)
        } while (every !== undefined && !stop.signal.aborted)
      } finally {
        stop.dispose()
      }
    })
    .addCommand(syncStatusCommand(context))
}

async function syncOnce(
  context: CommandContext,
  run: DataRun,
  options: SyncOptions,
  signal: AbortSignal,
): Promise<number> {
  const progress = createProgress(!options.json)
  const result = await new DataMigrator({
    ...runProps(run, options, signal, progress.enabled ? progress.update : undefined),
    ...(options.full ? { fresh: true, full: true } : { incremental: true }),
  }).run()
  progress.done()
  const code = printDataRun(
    context.terminal,
    { ...result, warnings: [...run.warnings, ...result.warnings] },
    {
      source: run.plugin.name,
      target: run.targetUrl,
      json: options.json,
      command: 'sync',
    },
  )
  // Stopping on SIGINT/SIGTERM is how a sync daemon ends: only failed streams fail it.
  return signal.aborted && !result.results.some((r) => r.status === 'Error') ? EXIT_OK : code
}
