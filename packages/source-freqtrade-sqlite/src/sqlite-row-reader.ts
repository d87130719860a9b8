import type Database from 'better-sqlite3'
import type { FreqtradeRowReader, SideQuery, SqlStatement } from './row-reader.js'
import { prepareRows, type RowQuery } from './rows.js'
import type { SqliteRow, SqliteValue } from './values.js'

/**
 * A {@link FreqtradeRowReader} over a better-sqlite3 connection; the caller opens (and ends) the read
 * transaction that makes a stream one snapshot. Every call runs synchronously, its promise already
 * settled: a page's rows are read one at a time from the statement as arrays (`raw`, see
 * {@link prepareRows}) and handed over at once, never collected. Statements are prepared once per
 * SQL text.
 */
export class SqliteRowReader implements FreqtradeRowReader {
  readonly #db: Database.Database
  readonly #rowQueries = new Map<string, RowQuery>()
  readonly #statements = new Map<string, Database.Statement>()

  constructor(db: Database.Database) {
    this.#db = db
  }

  async tables(): Promise<string[]> {
    return this.tablesSync()
  }

  /** {@link tables}, synchronously. */
  tablesSync(): string[] {
    return (
      this.#db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{
        name: string
      }>
    )
      .map((row) => row.name)
      .filter((name) => !name.startsWith('sqlite_'))
  }

  async columns(table: string): Promise<string[]> {
    return this.columnsSync(table)
  }

  /** {@link columns}, synchronously. */
  columnsSync(table: string): string[] {
    return (
      this.#db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as Array<{ name: string }>
    ).map((row) => row.name)
  }

  async resultColumns(statement: SqlStatement): Promise<string[]> {
    return [...this.#rows(statement.sql).columns]
  }

  async all(statement: SqlStatement): Promise<SqliteRow[]> {
    return this.#all(statement)
  }

  async page(rows: SqlStatement, visit: (values: SqliteValue[]) => void, side?: SideQuery): Promise<void> {
    if (side) side.use(this.#all(side.statement))
    for (const values of this.#rows(rows.sql).iterateValues(...rows.args)) visit(values)
  }

  #all(statement: SqlStatement): SqliteRow[] {
    let prepared = this.#statements.get(statement.sql)
    if (!prepared) {
      prepared = this.#db.prepare(statement.sql).safeIntegers(true)
      this.#statements.set(statement.sql, prepared)
    }
    return prepared.all(...statement.args) as SqliteRow[]
  }

  #rows(sql: string): RowQuery {
    let query = this.#rowQueries.get(sql)
    if (!query) {
      query = prepareRows(this.#db, sql)
      this.#rowQueries.set(sql, query)
    }
    return query
  }
}
