import { type SourcePlugin, verifyData } from '@ledgerport/core'
import { Command } from 'commander'
import { type DataOptions, withDataOptions } from '../../options/data-options.js'
import { EXIT_FAILED, EXIT_OK } from '../../output/exit-code.js'
import { renderTable } from '../../output/render-table.js'
import { usingDataRun } from '../../using-data-run.js'
import type { CommandContext } from '../migrate/command-context.js'

/** `ledgerport verify --from NAME …`: compare the source with the target, table by table. */
export function verifyCommand(context: CommandContext, plugin: SourcePlugin<any> | undefined): Command {
  return withDataOptions(
    new Command('verify').description(
      'compare source and target per table: counts, checksums, orphans, invalid values',
    ),
    plugin,
  ).action(async (options: DataOptions) => {
    const { terminal } = context
    await usingDataRun(options, async (run) => {
      const result = await verifyData({
        source: run.source,
        sourceName: run.plugin.name,
        target: run.target,
        timeZone: run.context.timezone,
        ...(run.context.userId !== undefined ? { userId: run.context.userId } : {}),
      })
      const sourceChecks = run.plugin.verify
        ? await run.plugin.verify(run.pluginOptions, run.target, run.context)
        : undefined
      const ok = result.ok && (sourceChecks?.ok ?? true)
      context.setExitCode(ok ? EXIT_OK : EXIT_FAILED)
      if (options.json) {
        terminal.out(
          JSON.stringify(
            {
              command: 'verify',
              source: run.plugin.name,
              target: run.targetUrl,
              ...result,
              ok,
              error: result.error?.message ?? null,
              sourceChecks: sourceChecks
                ? { ...sourceChecks, error: sourceChecks.error?.message ?? null }
                : null,
            },
            null,
            2,
          ),
        )
        return
      }
      if (result.error) {
        terminal.err(terminal.style.red(`error: ${result.error.message}`))
        return
      }
      const mark = (ok: boolean) => (ok ? terminal.style.green('ok') : terminal.style.red('MISMATCH'))
      terminal.out(
        renderTable(
          ['table', 'source', 'target', 'source checksum', 'target checksum', ''],
          result.entities.map((e) => [
            e.entity,
            String(e.sourceCount),
            String(e.targetCount),
            e.sourceChecksum,
            e.targetChecksum,
            mark(e.ok),
          ]),
        ),
      )
      terminal.out()
      terminal.out(
        renderTable(
          ['stream', 'source records', 'expected rows', 'target rows', ''],
          result.streams.map((st) => [
            st.stream,
            String(st.sourceRecords),
            String(st.expectedRows),
            String(st.targetRows),
            mark(st.ok),
          ]),
        ),
      )
      const failing = [...result.orphans, ...result.invalid].filter((c) => c.count > 0)
      terminal.out()
      terminal.out(
        failing.length
          ? renderTable(
              ['check', 'rows'],
              failing.map((c) => [c.check, String(c.count)]),
            )
          : 'No orphans, no invalid values.',
      )
      for (const check of failing)
        if (check.hint)
          terminal.out(
            `${check.check}: ${check.hint}${check.examples?.length ? ` (e.g. source_key ${check.examples.join(', ')})` : ''}.`,
          )
      if (sourceChecks) {
        terminal.out()
        terminal.out(
          renderTable(
            [`${run.plugin.name} check`, 'source', 'target', ''],
            sourceChecks.checks.map((c) => [
              c.check,
              c.source === undefined ? '' : String(c.source),
              String(c.target),
              mark(c.ok),
            ]),
          ),
        )
        if (sourceChecks.error) terminal.err(terminal.style.red(`error: ${sourceChecks.error.message}`))
      }
      for (const note of result.notes) if (note.count) terminal.out(`note: ${note.count} ${note.check}.`)
      if (result.rejected)
        terminal.out(
          `${result.rejected} source records are rejected by validation (not expected in the target).`,
        )
      terminal.out(
        ok
          ? terminal.style.green('verified: source and target agree')
          : terminal.style.red('verification failed'),
      )
    })
  })
}
