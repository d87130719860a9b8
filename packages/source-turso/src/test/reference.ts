import { dirname } from 'node:path'
import type { CanonicalRecord, Reject } from '@ledgerport/core'
import {
  type FreqtradeRowReader,
  loadSchema,
  locateDatabases,
  type SideQuery,
  type SqliteRow,
  type SqliteValue,
  type SqlStatement,
  STREAM_KINDS,
  streamBatches,
  streamSettings,
} from '@ledgerport/freqtrade-mapping'
import { testContext } from '@ledgerport/test-kit'
import Database from 'better-sqlite3'
import type { ReadAll } from './support.js'

/**
 * The reference the libSQL readers are compared with: Freqtrade's mapping over better-sqlite3, the
 * driver freqtrade-sqlite reads files with, with its own row objects (`safeIntegers`), nothing
 * optimised. Each call prepares its statement again.
 */
class ReferenceReader implements FreqtradeRowReader {
  readonly #db: Database.Database

  constructor(db: Database.Database) {
    this.#db = db
  }

  async tables(): Promise<string[]> {
    return this.#db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all()
      .map(String)
      .filter((name) => !name.startsWith('sqlite_'))
  }

  async columns(table: string): Promise<string[]> {
    return this.#db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table).map(String)
  }

  async resultColumns(statement: SqlStatement): Promise<string[]> {
    return this.#db
      .prepare(statement.sql)
      .columns()
      .map((column) => column.name)
  }

  async all(statement: SqlStatement): Promise<SqliteRow[]> {
    return this.#db
      .prepare(statement.sql)
      .safeIntegers(true)
      .all(...statement.args) as SqliteRow[]
  }

  async page(rows: SqlStatement, visit: (values: SqliteValue[]) => void, side?: SideQuery): Promise<void> {
    if (side) side.use(await this.all(side.statement))
    const statement = this.#db.prepare(rows.sql).safeIntegers(true).raw(true)
    for (const values of statement.iterate(...rows.args)) visit(values as SqliteValue[])
  }
}

/**
 * Every stream of bot `botId` in the database file at `path`, read in full with the
 * {@link ReferenceReader}, as freqtrade-sqlite reads it: the same records, rejects and notes,
 * located at `path`.
 */
export async function readReference(path: string, botId: string): Promise<ReadAll> {
  const context = testContext()
  const records: CanonicalRecord[] = []
  const rejects: Reject[] = []
  const [bot] = locateDatabases({ db: [path], botId: [botId], cwd: dirname(path) })
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    for (const kind of STREAM_KINDS) {
      const reader = new ReferenceReader(db)
      const batches = streamBatches(kind, {
        ...streamSettings({ botId, file: bot!.path, dryRun: bot!.dryRun }, context, undefined),
        reader,
        schema: await loadSchema(reader),
        state: { after: null, files: null },
      })
      while (batches.more) {
        const batch = await batches.next()
        records.push(...batch.records)
        rejects.push(...(batch.rejects ?? []))
      }
    }
  } finally {
    db.close()
  }
  return { records, rejects, warnings: context.warnings, locations: STREAM_KINDS.map(() => path) }
}
