import {
  type Checkpoint,
  DataMigrator,
  RunLedger,
  type Source,
  type SourcePlugin,
  type StreamResult,
} from '@ledgerport/core'
import { Command, Option } from 'commander'
import { type DataOptions, DEFAULT_TARGET_URL, withDataOptions } from '../../options/data-options.js'
import { EXIT_FAILED, EXIT_OK, UsageError } from '../../output/exit-code.js'
import { printDataRun } from '../../output/print-data-run.js'
import { createProgress } from '../../output/progress.js'
import { renderTable } from '../../output/render-table.js'
import { type DataRun, usingDataRun } from '../../using-data-run.js'
import { usingTarget } from '../../using-target.js'
import type { CommandContext } from '../migrate/command-context.js'

interface SyncOptions extends DataOptions {
  readonly every?: string
  readonly full?: boolean
  readonly rejects?: string
}

/**
 * `ledgerport sync --from NAME … [--every 5m]`: the run, repeated (or once, for cron). Each pass is a
 * new run that hands every stream its stored checkpoint, so a source can skip what has not changed
 * (freqtrade-sqlite: a bot whose files are unchanged) and the row hash keeps unchanged rows unwritten.
 */
export function syncCommand(context: CommandContext, plugin: SourcePlugin<any> | undefined): Command {
  const command = withDataOptions(
    new Command('sync').description('run a source into a target repeatedly, writing only what changed'),
    plugin,
  )
  // `sync status` needs no source: --from is checked by the sync action instead.
  for (const option of command.options) if (option.long === '--from') option.mandatory = false
  return command
    .option('--every <interval>', 'repeat every interval (30s, 5m, 1h); without it, sync once (for cron)')
    .option('--full', 'read every stream in full, even where the source has not changed')
    .option('--rejects <file>', 'JSONL file for rejected records (default ./ledgerport-rejects/RUN_ID.jsonl)')
    .action(async (options: SyncOptions) => {
      if (!options.from) throw new UsageError("required option '--from <source>' not specified")
      const every = options.every === undefined ? undefined : parseInterval(options.every, '--every')
      const stop = new AbortController()
      const onSignal = () => stop.abort()
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
      try {
        for (;;) {
          const started = Date.now()
          try {
            const code = await usingDataRun(options, (run) => syncOnce(context, run, options, stop.signal))
            context.setExitCode(code)
          } catch (error) {
            if (every === undefined) throw error
            context.terminal.err(context.terminal.style.red(`error: ${(error as Error).message}`))
            context.setExitCode(EXIT_FAILED)
          }
          if (every === undefined || stop.signal.aborted) break
          await sleep(every - (Date.now() - started), stop.signal)
          if (stop.signal.aborted) break
        }
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
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
  const stored = options.full ? new Map<string, Checkpoint>() : await storedCheckpoints(run)
  const inner = run.source
  const source: Source = {
    discover: () => inner.discover(),
    read: (stream, from) => inner.read(stream, from ?? stored.get(stream.name)),
    // A stream with a checkpoint may not be read at all: counting it would read it.
    ...(inner.count && stored.size === 0 ? { count: (stream) => inner.count!(stream) } : {}),
    close: () => inner.close(),
  }
  const progress = createProgress(!options.json)
  const result = await new DataMigrator({
    source,
    sourceName: run.plugin.name,
    scope: run.scope,
    target: run.target,
    options: run.redactedOptions,
    timeZone: run.context.timezone,
    secrets: run.secrets,
    signal,
    fresh: true,
    onProgress: progress.update,
    ...(run.context.userId !== undefined ? { userId: run.context.userId } : {}),
    ...(options.rejects ? { rejectsFile: options.rejects } : {}),
  }).run()
  progress.done()
  const code = printDataRun(
    context.terminal,
    { ...result, warnings: [...run.warnings, ...result.warnings] },
    { source: run.plugin.name, target: run.targetUrl, json: options.json },
  )
  // Stopping on SIGINT/SIGTERM is how a sync daemon ends: only failed streams fail it.
  return signal.aborted && !result.results.some((r) => r.status === 'Error') ? EXIT_OK : code
}

/** Every stream's stored checkpoint for this source and configuration (complete or not). */
async function storedCheckpoints(run: DataRun): Promise<Map<string, Checkpoint>> {
  const rows = await run.target.connection.db
    .selectFrom('ledgerport_checkpoints')
    .select(['stream', 'checkpoint'])
    .where('source', '=', run.plugin.name)
    .where('scope', '=', run.scope)
    .execute()
  const stored = new Map<string, Checkpoint>()
  for (const row of rows) {
    if (row.checkpoint == null) continue
    stored.set(
      String(row.stream),
      (typeof row.checkpoint === 'string' ? JSON.parse(row.checkpoint) : row.checkpoint) as Checkpoint,
    )
  }
  return stored
}

/** One bot (the part of a stream name before its last `/`) of one source, as `sync status` shows it. */
interface BotStatus {
  source: string
  bot: string
  state: 'ok' | 'failing' | 'never'
  lastSuccessAt: string | null
  lagSeconds: number | null
  lastErrorAt: string | null
  lastError: string | null
  lastRunId: string
}

/** `ledgerport sync status --to URL [--json]`: per bot, the last successful sync, its lag, its last error. */
function syncStatusCommand(context: CommandContext): Command {
  return new Command('status')
    .description('per bot: the last successful sync, its lag and its last error')
    .addOption(
      new Option('--to <url>', 'target database URL').default(DEFAULT_TARGET_URL).env('LEDGERPORT_TO'),
    )
    .option('--source <name>', 'only this source')
    .option(
      '--max-lag <interval>',
      'exit 1 when a bot is failing, never synced, or synced longer ago than this',
    )
    .option('--json', 'print JSON on stdout')
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals() as {
        to: string
        source?: string
        maxLag?: string
        json?: boolean
      }
      const maxLag =
        options.maxLag === undefined ? undefined : parseInterval(options.maxLag, '--max-lag') / 1000
      await usingTarget({ to: options.to }, async (target, displayUrl) => {
        const runs = await new RunLedger(target.connection.kind).listRuns(target.connection.db, {
          limit: 1_000,
          ...(options.source ? { source: options.source } : {}),
        })
        const bots = new Map<string, BotStatus>()
        for (const run of runs) {
          if (!run.finishedAt) continue
          const perBot = new Map<string, StreamResult[]>()
          for (const result of (run.counts?.streams ?? []) as StreamResult[]) {
            const slash = result.stream.lastIndexOf('/')
            const bot = slash > 0 ? result.stream.slice(0, slash) : result.stream
            perBot.set(bot, [...(perBot.get(bot) ?? []), result])
          }
          for (const [bot, results] of perBot) {
            const key = `${run.source}\u0000${bot}`
            const status = bots.get(key) ?? {
              source: run.source,
              bot,
              state: 'never' as const,
              lastSuccessAt: null,
              lagSeconds: null,
              lastErrorAt: null,
              lastError: null,
              lastRunId: run.id,
            }
            bots.set(key, status)
            const failed = results.find((r) => r.status === 'Error')
            if (failed && !status.lastErrorAt) {
              status.lastErrorAt = run.finishedAt
              status.lastError = `${failed.stream}: ${failed.error ?? 'failed'}`
            }
            if (!status.lastSuccessAt && results.every((r) => r.status === 'Success'))
              status.lastSuccessAt = run.finishedAt
          }
        }
        const now = Date.now()
        const list = [...bots.values()].sort(
          (a, b) => a.source.localeCompare(b.source) || a.bot.localeCompare(b.bot),
        )
        for (const status of list) {
          if (status.lastSuccessAt)
            status.lagSeconds = Math.round((now - Date.parse(status.lastSuccessAt)) / 1000)
          status.state = !status.lastSuccessAt
            ? 'never'
            : status.lastErrorAt && status.lastErrorAt > status.lastSuccessAt
              ? 'failing'
              : 'ok'
        }
        const late = list.filter(
          (s) => s.state !== 'ok' || (maxLag !== undefined && (s.lagSeconds ?? Infinity) > maxLag),
        )
        if (maxLag !== undefined && late.length) context.setExitCode(EXIT_FAILED)
        if (options.json) {
          context.terminal.out(
            JSON.stringify(
              { command: 'sync status', target: displayUrl, ok: late.length === 0, bots: list },
              null,
              2,
            ),
          )
          return
        }
        const { style } = context.terminal
        context.terminal.out(
          list.length
            ? renderTable(
                ['source', 'bot', 'state', 'last sync', 'lag', 'last error'],
                list.map((s) => [
                  s.source,
                  s.bot,
                  s.state === 'ok' ? style.green(s.state) : style.red(s.state),
                  s.lastSuccessAt ?? '-',
                  s.lagSeconds === null ? '-' : formatSeconds(s.lagSeconds),
                  s.lastError ? `${s.lastErrorAt} ${s.lastError}` : '-',
                ]),
              )
            : 'No sync yet.',
        )
      })
    })
}

/** `30s`, `5m`, `1h`, `1d`, `500ms` or plain seconds → milliseconds. */
function parseInterval(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(text.trim())
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }
  const ms = match
    ? Number(match[1]) * unit[(match[2]?.toLowerCase() ?? 's') as keyof typeof unit]
    : Number.NaN
  if (!(ms > 0)) throw new UsageError(`${flag} ${text} is not an interval like 30s, 5m or 1h.`)
  return ms
}

function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${seconds}s`
  if (seconds < 7_200) return `${Math.round(seconds / 60)}m`
  if (seconds < 172_800) return `${Math.round(seconds / 3_600)}h`
  return `${Math.round(seconds / 86_400)}d`
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve()
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
