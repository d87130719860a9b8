import { availableParallelism } from 'node:os'
import { connect, type DatabaseConnection, parseConnectionUrl, redactUrl } from '@ledgerport/core'
import type { ReplicaResultSet } from '@ledgerport/replicate'
import { Command, Option } from 'commander'
import { importOptional } from '../../optional-package.js'
import { lockTimeoutMs, withLockTimeout } from '../../options/data-options.js'
import { timeoutConnectOptions, withTimeoutOptions } from '../../options/timeout-options.js'
import { confirm } from '../../output/confirm.js'
import { EXIT_FAILED, EXIT_OK, UsageError } from '../../output/exit-code.js'
import { printResultJson } from '../../output/print-result-json.js'
import { createProgress } from '../../output/progress.js'
import { renderTable } from '../../output/render-table.js'
import type { Terminal } from '../../output/terminal.js'
import type { CommandContext } from '../migrate/command-context.js'
import { stopOnSignal } from '../stop-on-signal.js'

interface ReplicateOptions {
  readonly from: string
  readonly to: string
  readonly tables?: string
  readonly exclude?: string[]
  readonly exactDecimals?: boolean
  /** `--no-delete` sets this to false. */
  readonly delete: boolean
  readonly jobs?: string
  readonly batchSize?: string
  readonly fromAuthToken?: string
  readonly toAuthToken?: string
  readonly rejects?: string
  readonly dryRun?: boolean
  readonly full?: boolean
  readonly yes?: boolean
  readonly json?: boolean
  readonly connectTimeout?: string
  readonly statementTimeout?: string
}

/** `ledgerport replicate --from URL --to URL`: mirror tables as they are, incrementally. */
export function replicateCommand(context: CommandContext): Command {
  const command = new Command('replicate')
    .description(
      'mirror tables as they are between SQLite, libSQL and PostgreSQL; re-runs write only what changed',
    )
    .requiredOption(
      '--from <url>',
      'source database URL (sqlite:PATH, file:PATH, libsql://…, postgres://…); read-only',
    )
    .requiredOption('--to <url>', 'target database URL')
    .addOption(
      new Option('--from-auth-token <token>', 'libSQL/Turso auth token of the source (secret)').env(
        'LEDGERPORT_FROM_AUTH_TOKEN',
      ),
    )
    .addOption(
      new Option('--to-auth-token <token>', 'libSQL/Turso auth token of the target (secret)').env(
        'LEDGERPORT_TO_AUTH_TOKEN',
      ),
    )
    .option('--tables <names>', 'only these tables (comma-separated; * and ? wildcards)')
    .option(
      '--exclude <names>',
      'leave these tables out (comma-separated, repeatable; * and ? wildcards)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--exact-decimals',
      "SQLite FLOAT/REAL to PostgreSQL numeric (each value's shortest round-trip decimal)",
    )
    .option('--no-delete', 'keep target rows whose source row was deleted')
    .option('--jobs <n>', 'tables copied at the same time (default: the number of cores)')
    .option('--batch-size <n>', 'rows read per page (default: about 100,000 values, at most 5,000 rows)')
    .option('--rejects <file>', 'JSONL file for rejected rows (default ./ledgerport-rejects/RUN_ID.jsonl)')
    .option('--dry-run', 'read everything and report what would change; write nothing')
    .option('--full', 'read and compare every table, even when the SQLite source file has not changed')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print a JSON report on stdout')
  return withLockTimeout(withTimeoutOptions(command)).action(async (options: ReplicateOptions) => {
    const { terminal } = context
    const jobs = options.jobs === undefined ? availableParallelism() : Number(options.jobs)
    if (!Number.isInteger(jobs) || jobs < 1)
      throw new UsageError(`--jobs ${options.jobs} is not a positive integer.`)
    const pageSize = options.batchSize === undefined ? undefined : Number(options.batchSize)
    if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1))
      throw new UsageError(`--batch-size ${options.batchSize} is not a positive integer.`)
    for (const url of [options.from, options.to]) {
      try {
        parseConnectionUrl(url)
      } catch (error) {
        throw new UsageError((error as Error).message)
      }
    }
    const timeouts = timeoutConnectOptions(options)
    const from = redactUrl(options.from)
    const to = redactUrl(options.to)
    if (!options.dryRun && !(await confirm(terminal, `Replicate ${from} into ${to}?`, options.yes))) {
      terminal.err('Cancelled.')
      context.setExitCode(EXIT_OK)
      return
    }
    let source: DatabaseConnection | undefined
    let target: DatabaseConnection | undefined
    const stop = stopOnSignal(terminal)
    try {
      const { connectSource, Replicator } = await importOptional<typeof import('@ledgerport/replicate')>(
        '@ledgerport/replicate',
        'ledgerport replicate',
      )
      source = await connectSource(options.from, {
        ...timeouts,
        poolSize: jobs + 1,
        ...(options.fromAuthToken ? { authToken: options.fromAuthToken } : {}),
      })
      target = await connect(options.to, {
        ...timeouts,
        // One more for the PostgreSQL session that holds the replicate lock.
        poolSize: jobs + 2,
        ...(options.toAuthToken ? { authToken: options.toAuthToken } : {}),
      })
      const progress = createProgress(!options.json, { sameUnit: 'rows' })
      const result = await new Replicator({
        source,
        target,
        jobs,
        signal: stop.signal,
        lockTimeoutMs: lockTimeoutMs(options),
        onProgress: ({ table, read, total }) =>
          progress.update({ stream: table, read, ...(total !== undefined ? { total } : {}) }),
        ...(options.tables ? { tables: list(options.tables) } : {}),
        ...(options.exclude ? { exclude: options.exclude.flatMap(list) } : {}),
        ...(options.exactDecimals ? { exactDecimals: true } : {}),
        ...(options.delete === false ? { noDelete: true } : {}),
        ...(options.dryRun ? { dryRun: true } : {}),
        ...(options.full ? { full: true } : {}),
        ...(pageSize !== undefined ? { pageSize } : {}),
        ...(options.rejects ? { rejectsFile: options.rejects } : {}),
      }).run()
      progress.done()
      context.setExitCode(printReplicate(terminal, result, { from, to, json: options.json }))
    } finally {
      stop.dispose()
      await source?.close().catch(() => {})
      await target?.close().catch(() => {})
    }
  })
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
}

/** Prints the summary table (or the JSON report) of a replicate; returns the exit code. */
function printReplicate(
  terminal: Terminal,
  result: ReplicaResultSet,
  context: { from: string; to: string; json?: boolean | undefined },
): number {
  const code = result.error ? EXIT_FAILED : EXIT_OK
  if (context.json) {
    printResultJson(terminal, 'replicate', result, { source: context.from, target: context.to })
    return code
  }
  const { style } = terminal
  terminal.out(
    `${style.bold(result.dryRun ? 'DRY RUN (nothing written)' : `replicate ${result.runId}`)}  ${context.from} → ${style.dim(context.to)}`,
  )
  const rows = result.results.map((r) => [
    r.status === 'Error' ? style.red(r.table) : r.table,
    r.status === 'Success' ? r.mode : r.status === 'Error' ? style.red('error') : style.yellow('stopped'),
    String(r.read),
    String(r.inserted),
    String(r.updated),
    String(r.deleted),
    String(r.unchanged),
    r.rejected ? style.yellow(String(r.rejected)) : '0',
    r.seconds.toFixed(2),
  ])
  const t = result.totals
  rows.push([
    'total',
    '',
    String(t.read),
    String(t.inserted),
    String(t.updated),
    String(t.deleted),
    String(t.unchanged),
    String(t.rejected),
    result.results.reduce((sum, r) => sum + r.seconds, 0).toFixed(2),
  ])
  terminal.out(
    renderTable(
      ['table', 'mode', 'read', 'inserted', 'updated', 'deleted', 'unchanged', 'rejected', 'seconds'],
      rows,
    ),
  )
  for (const r of result.results) if (r.error) terminal.err(style.red(`error: ${r.table}: ${r.error}`))
  for (const warning of result.warnings) terminal.err(style.yellow(`note: ${warning}`))
  if (result.rejectsFile) terminal.out(`rejects written to ${result.rejectsFile}`)
  if (result.error && !result.results.some((r) => r.error))
    terminal.err(style.red(`error: ${result.error.message}`))
  return code
}
