import { syncStatus } from '@ledgerport/core'
import { Command, Option } from 'commander'
import { DEFAULT_TARGET_URL } from '../../options/data-options.js'
import { withTimeoutOptions } from '../../options/timeout-options.js'
import { EXIT_FAILED } from '../../output/exit-code.js'
import { formatSeconds, parseInterval } from '../../output/interval.js'
import { renderTable } from '../../output/render-table.js'
import { usingTarget } from '../../using-target.js'
import type { CommandContext } from '../migrate/command-context.js'

/** `ledgerport sync status --to URL [--json]`: per bot, the last successful sync, its lag, its last error. */
export function syncStatusCommand(context: CommandContext): Command {
  return withTimeoutOptions(new Command('status'))
    .description('per bot: the last successful sync, its lag and its last error')
    .addOption(
      new Option('--to <url>', 'target database URL').default(DEFAULT_TARGET_URL).env('LEDGERPORT_TO'),
    )
    .option('--schema <name>', 'PostgreSQL target: schema of the canonical tables')
    .option('--source <name>', 'only this source')
    .option(
      '--max-lag <interval>',
      'exit 1 when a bot is failing, never synced, or synced longer ago than this',
    )
    .option('--json', 'print JSON on stdout')
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals() as {
        to: string
        schema?: string
        source?: string
        maxLag?: string
        json?: boolean
      }
      const maxLag =
        options.maxLag === undefined ? undefined : parseInterval(options.maxLag, '--max-lag') / 1000
      await usingTarget(options, async (target, displayUrl) => {
        const bots = await syncStatus(
          target.connection.db,
          target.connection.kind,
          options.source ? { source: options.source } : {},
        )
        const late = bots.filter(
          (s) => s.state !== 'ok' || (maxLag !== undefined && (s.lagSeconds ?? Infinity) > maxLag),
        )
        if (maxLag !== undefined && late.length) context.setExitCode(EXIT_FAILED)
        if (options.json) {
          context.terminal.out(
            JSON.stringify(
              { command: 'sync status', target: displayUrl, ok: late.length === 0, bots },
              null,
              2,
            ),
          )
          return
        }
        const { style } = context.terminal
        context.terminal.out(
          bots.length
            ? renderTable(
                ['source', 'bot', 'state', 'last sync', 'lag', 'last error'],
                bots.map((s) => [
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
