import { sql } from 'kysely'
import type { ProvidedMigration } from './migration.js'
import { isTransactionControl, splitSqlStatements } from './split-sql-statements.js'

const SECTION_MARKER = /^[ \t]*--[ \t]*migrate:(up|down)\b(.*)$/gim

/**
 * Builds a migration from an SQL file.
 *
 * - `-- migrate:up` and `-- migrate:down` sections (dbmate style); without markers the whole file is `up`.
 * - `-- migrate:up transaction:false` runs the file outside a transaction.
 * - A `rollback` twin (seed 002's `rollback/002_rollback_x.sql`) is the `down` when the file has no down section.
 * - `-- Description: …` is the description.
 * - `BEGIN`/`COMMIT` statements in a transactional file are dropped: ledgerport already wraps the
 *   migration and its ledger row in one transaction, and a nested `BEGIN` would fail.
 */
export function sqlFileMigration(file: string, text: string, rollbackText?: string): ProvidedMigration {
  const sections = parseSections(text)
  const transaction = !/transaction\s*:\s*false/i.test(sections.upOptions)
  const upStatements = statementsOf(sections.up, transaction)
  const downSource = sections.down ?? rollbackText
  const downStatements = downSource === undefined ? undefined : statementsOf(downSource, transaction)
  const description = /^[ \t]*--[ \t]*Description:[ \t]*(.+)$/im.exec(text)?.[1]?.trim()

  const run = async (db: Parameters<ProvidedMigration['up']>[0], statements: ReadonlyArray<string>) => {
    for (const statement of statements) await sql.raw(statement).execute(db)
  }
  return {
    file,
    transaction,
    ...(description ? { description } : {}),
    statements: { up: upStatements, ...(downStatements ? { down: downStatements } : {}) },
    up: (db) => run(db, upStatements),
    ...(downStatements
      ? { down: (db: Parameters<ProvidedMigration['up']>[0]) => run(db, downStatements) }
      : {}),
  }
}

function parseSections(text: string): { up: string; down?: string; upOptions: string } {
  const markers = [...text.matchAll(SECTION_MARKER)]
  if (markers.length === 0) return { up: text, upOptions: '' }
  let up = ''
  let down: string | undefined
  let upOptions = ''
  markers.forEach((marker, index) => {
    const start = (marker.index ?? 0) + marker[0].length
    const end = markers[index + 1]?.index ?? text.length
    const body = text.slice(start, end)
    if (marker[1]!.toLowerCase() === 'up') {
      up += body
      upOptions += marker[2] ?? ''
    } else down = (down ?? '') + body
  })
  return { up, upOptions, ...(down !== undefined ? { down } : {}) }
}

function statementsOf(script: string, transaction: boolean): string[] {
  const statements = splitSqlStatements(script)
  return transaction ? statements.filter((statement) => !isTransactionControl(statement)) : statements
}
