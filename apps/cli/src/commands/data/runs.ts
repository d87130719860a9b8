import { acquireRunLock, type DatabaseConnection, RunLedger } from '@ledgerport/core'
import { Command, Option } from 'commander'
import { DEFAULT_TARGET_URL } from '../../options/data-options.js'
import { withTimeoutOptions } from '../../options/timeout-options.js'
import { UsageError } from '../../output/exit-code.js'
import { renderTable } from '../../output/render-table.js'
import { usingTarget } from '../../using-target.js'
import type { CommandContext } from '../migrate/command-context.js'

/** `ledgerport runs`: the runs recorded in a target, newest first. */
export function runsCommand(context: CommandContext): Command {
  return withTimeoutOptions(new Command('runs'))
    .description('list the data runs recorded in a target, newest first')
    .addOption(
      new Option('--to <url>', 'target database URL').default(DEFAULT_TARGET_URL).env('LEDGERPORT_TO'),
    )
    .option('--schema <name>', 'PostgreSQL target: schema of the canonical tables')
    .option('--source <name>', 'only runs of this source')
    .option('--limit <n>', 'at most N runs', '50')
    .option('--json', 'print JSON on stdout')
    .action(
      async (options: { to: string; schema?: string; source?: string; limit: string; json?: boolean }) => {
        const limit = Number(options.limit)
        if (!/^\d+$/.test(options.limit) || !Number.isSafeInteger(limit) || limit < 1)
          throw new UsageError(`--limit ${options.limit} is not a positive whole number of runs.`)
        await usingTarget(options, async (target) => {
          await failAbandoned(target.connection)
          const runs = await new RunLedger(target.connection.kind).listRuns(target.connection.db, {
            ...(options.source ? { source: options.source } : {}),
            limit,
          })
          if (options.json) {
            context.terminal.out(JSON.stringify({ command: 'runs', ok: true, runs }, null, 2))
            return
          }
          const total = (run: (typeof runs)[number], key: string) =>
            String((run.counts?.totals as Record<string, number> | undefined)?.[key] ?? '')
          context.terminal.out(
            runs.length
              ? renderTable(
                  ['run', 'source', 'status', 'started', 'read', 'inserted', 'updated', 'rejected'],
                  runs.map((run) => [
                    run.id,
                    run.source,
                    run.status,
                    run.startedAt,
                    total(run, 'read'),
                    total(run, 'inserted'),
                    total(run, 'updated'),
                    total(run, 'rejected'),
                  ]),
                )
              : 'No runs yet.',
          )
        })
      },
    )
}

/** Why a run left `running` by a process that is gone is recorded as failed (as `run` and `sync` say it). */
const ABANDONED = 'the process stopped without finishing (no lock held)'

/**
 * Records as `failed` each `running` run whose scope's lock nobody holds (its process was killed, or
 * could not write its end on a full disk), so the list does not say `running` for a run that stopped.
 * A scope whose lock is held (a live run) is left as it is; it stays resumable either way.
 */
async function failAbandoned(connection: DatabaseConnection): Promise<void> {
  const ledger = new RunLedger(connection.kind)
  const running = (await ledger.listRuns(connection.db)).filter((run) => run.status === 'running')
  const scopes = new Map<string, { source: string; scope: string }>()
  for (const run of running) {
    const scope = typeof run.options.scope === 'string' ? run.options.scope : 'default'
    scopes.set(`${run.source}\n${scope}`, { source: run.source, scope })
  }
  for (const { source, scope } of scopes.values()) {
    const lock = await acquireRunLock(connection, {
      kind: 'run',
      source,
      scope,
      timeoutMs: 0,
      onWarning: () => {},
    }).catch(() => undefined)
    if (!lock) continue
    try {
      await ledger.failAbandoned(connection.db, source, scope, ABANDONED)
    } finally {
      await lock.release()
    }
  }
}
