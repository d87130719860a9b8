import type { MigrationInfo, MigrationResult } from '@ledgerport/core'
import type { DatabaseReport } from '../using-migrators.js'
import { EXIT_FAILED, EXIT_OK } from './exit-code.js'
import { renderTable } from './render-table.js'
import type { Terminal } from './terminal.js'

/**
 * Prints per-database reports, as a table per database or, with `--json`, as one JSON document
 * `{ command, ok, databases: DatabaseReport[] }`. Returns the exit code: 1 if any database failed.
 */
export function printReports(
  terminal: Terminal,
  command: string,
  reports: ReadonlyArray<DatabaseReport>,
  json: boolean | undefined,
): number {
  const ok = reports.every((report) => report.ok)
  if (json) {
    terminal.out(JSON.stringify({ command, ok, databases: reports }, null, 2))
    return ok ? EXIT_OK : EXIT_FAILED
  }
  const { style } = terminal
  for (const report of reports) {
    if (reports.length > 1 || report.name !== 'default')
      terminal.out(style.bold(`${report.name}  ${style.dim(report.url)}`))
    else terminal.out(style.dim(report.url))
    if (report.backup) terminal.out(`backup written to ${report.backup}`)
    const migrations = report.migrations as MigrationInfo[] | undefined
    const results = report.results as MigrationResult[] | undefined
    // A database that failed (it could not even be reached) has nothing to list: say only why.
    if (migrations?.length) terminal.out(renderMigrationList(terminal, migrations))
    else if (migrations && !report.error) terminal.out('No migrations found.')
    else if (results?.length) terminal.out(renderResults(terminal, results))
    else if (results && !report.error) terminal.out('Nothing to do.')
    if (report.file) terminal.out(`created ${String(report.file)}`)
    for (const warning of report.warnings) terminal.err(style.yellow(`warning: ${warning}`))
    if (report.error) terminal.err(style.red(`error: ${report.error}`))
    terminal.out()
  }
  if (reports.length > 1) {
    const failed = reports.filter((report) => !report.ok).length
    terminal.out(`${reports.length} databases: ${reports.length - failed} ok, ${failed} failed`)
  }
  return ok ? EXIT_OK : EXIT_FAILED
}

function renderResults(terminal: Terminal, results: ReadonlyArray<MigrationResult>): string {
  const colour = (status: string) =>
    status === 'Error' || status === 'VerifyFailed'
      ? terminal.style.red(status)
      : status === 'NotExecuted'
        ? terminal.style.dim(status)
        : terminal.style.green(status)
  const table = renderTable(
    ['migration', 'direction', 'status', 'ms', 'note'],
    results.map((r) => [
      r.migrationName,
      r.direction.toLowerCase(),
      colour(r.status),
      r.executionMs === undefined ? '' : String(r.executionMs),
      r.message ?? '',
    ]),
  )
  const sql = results
    .filter((r) => r.sql?.length)
    .map(
      (r) =>
        `-- ${r.migrationName} (${r.direction.toLowerCase()})\n${r.sql!.map((s) => `${s.trim().replace(/;$/, '')};`).join('\n')}`,
    )
  return sql.length ? `${table}\n\n${sql.join('\n\n')}` : table
}

function renderMigrationList(terminal: Terminal, migrations: ReadonlyArray<MigrationInfo>): string {
  const colour = (state: string) =>
    state === 'Applied'
      ? terminal.style.green(state)
      : state === 'Pending'
        ? terminal.style.yellow(state)
        : terminal.style.red(state)
  return renderTable(
    ['migration', 'state', 'applied at', 'ms', 'down', 'description'],
    migrations.map((m) => [
      m.name,
      colour(m.state),
      m.appliedAt ?? '',
      m.executionMs === undefined ? '' : String(m.executionMs),
      m.reversible ? 'yes' : 'no',
      m.description ?? '',
    ]),
  )
}
