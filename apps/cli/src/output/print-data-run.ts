import type { DataMigrationResultSet } from '@ledgerport/core'
import { EXIT_FAILED, EXIT_OK } from './exit-code.js'
import { printResultJson } from './print-result-json.js'
import { renderTable } from './render-table.js'
import type { Terminal } from './terminal.js'

/** Prints a run's summary table (like pgloader's) or its JSON; returns the exit code. */
export function printDataRun(
  terminal: Terminal,
  result: DataMigrationResultSet,
  context: { source: string; target: string; json?: boolean | undefined; command?: string },
): number {
  const code = result.error ? EXIT_FAILED : EXIT_OK
  if (context.json) {
    printResultJson(terminal, context.command ?? 'run', result, {
      source: context.source,
      target: context.target,
    })
    return code
  }
  const { style } = terminal
  terminal.out(
    `${style.bold(result.dryRun ? 'DRY RUN (nothing kept)' : `run ${result.runId}`)}  ${context.source} → ${style.dim(context.target)}`,
  )
  const rows = result.results.map((r) => [
    r.status === 'Error' ? style.red(r.stream) : r.stream,
    String(r.read),
    String(r.inserted),
    String(r.updated),
    String(r.unchanged),
    String(r.duplicates),
    String(r.rejected),
    r.seconds.toFixed(2),
  ])
  const t = result.totals
  rows.push([
    'total',
    String(t.read),
    String(t.inserted),
    String(t.updated),
    String(t.unchanged),
    String(t.duplicates),
    String(t.rejected),
    result.results.reduce((s, r) => s + r.seconds, 0).toFixed(2),
  ])
  terminal.out(
    renderTable(
      ['stream', 'read', 'inserted', 'updated', 'unchanged', 'duplicates', 'rejected', 'seconds'],
      rows,
    ),
  )
  for (const r of result.results) if (r.error) terminal.err(style.red(`error: ${r.stream}: ${r.error}`))
  for (const warning of result.warnings) terminal.err(style.yellow(`note: ${warning}`))
  if (result.rejectsFile) terminal.out(`rejects written to ${result.rejectsFile}`)
  if (result.error && !result.results.some((r) => r.error))
    terminal.err(style.red(`error: ${result.error.message}`))
  return code
}
