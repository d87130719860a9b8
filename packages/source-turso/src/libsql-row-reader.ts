import {
  type FreqtradeRowReader,
  rowMaker,
  type SideQuery,
  type SqliteRow,
  type SqliteValue,
  type SqlStatement,
} from '@ledgerport/freqtrade-mapping'
import type { Client, InValue, ResultSet, Transaction } from '@libsql/client'

/** Options of {@link LibsqlRowReader}. */
export interface LibsqlRowReaderOptions {
  /**
   * The schema the Freqtrade database is attached as (`ATTACH … AS schema`, as a local file is
   * read), when it is not the connection's `main`: its tables are listed from that schema.
   */
  readonly schema?: string
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

/**
 * A {@link FreqtradeRowReader} over `@libsql/client` (a Turso / sqld database over HTTP or
 * WebSockets). The client must be created with `intMode: 'bigint'`: INTEGERs then arrive as bigints
 * and REALs as numbers, exactly the shapes better-sqlite3 gives with `safeIntegers`, so the Freqtrade
 * mapping (a REAL as its shortest round-trip decimal, an INTEGER past 2^53 with all its digits) reads
 * them the same way. A BLOB arrives as an ArrayBuffer and becomes a Uint8Array.
 *
 * Over a {@link Client}, nothing holds a transaction between calls: a remote stream would expire.
 * Each call is one request; a page with a side query is one read-only batch (`BEGIN TRANSACTION
 * READONLY`), so the two see the same snapshot. Over a {@link Transaction} (a local file, read in one
 * read transaction), every call is in that transaction's snapshot.
 */
export class LibsqlRowReader implements FreqtradeRowReader {
  readonly #connection: Client | Transaction
  readonly #schema: string | undefined

  /** A reader over `connection` (made with `intMode: 'bigint'`), or over one of its transactions. */
  constructor(connection: Client | Transaction, options: LibsqlRowReaderOptions = {}) {
    this.#connection = connection
    this.#schema = options.schema
  }

  /** {@inheritDoc FreqtradeRowReader.tables} */
  async tables(): Promise<string[]> {
    const master = this.#schema === undefined ? 'sqlite_master' : `${quote(this.#schema)}.sqlite_master`
    const result = await this.#connection.execute(
      `SELECT name FROM ${master} WHERE type = 'table' ORDER BY name`,
    )
    return toRows(result)
      .map((row) => String(row.name))
      .filter((name) => !name.startsWith('sqlite_'))
  }

  /** {@inheritDoc FreqtradeRowReader.columns} */
  async columns(table: string): Promise<string[]> {
    const result = await this.#connection.execute(
      this.#schema === undefined
        ? { sql: 'SELECT name FROM pragma_table_info(?)', args: [table] }
        : { sql: 'SELECT name FROM pragma_table_info(?, ?)', args: [table, this.#schema] },
    )
    return toRows(result).map((row) => String(row.name))
  }

  /** {@inheritDoc FreqtradeRowReader.resultColumns} */
  async resultColumns(statement: SqlStatement): Promise<string[]> {
    return [...(await this.#connection.execute(toLibsql(statement))).columns]
  }

  /** {@inheritDoc FreqtradeRowReader.all} */
  async all(statement: SqlStatement): Promise<SqliteRow[]> {
    return toRows(await this.#connection.execute(toLibsql(statement)))
  }

  /** {@inheritDoc FreqtradeRowReader.page} */
  async page(rows: SqlStatement, visit: (values: SqliteValue[]) => void, side?: SideQuery): Promise<void> {
    let result: ResultSet
    if (side) {
      const statements = [toLibsql(side.statement), toLibsql(rows)]
      const connection = this.#connection
      const [sideResult, rowsResult] =
        'transaction' in connection
          ? await connection.batch(statements, 'read')
          : await connection.batch(statements)
      side.use(toRows(sideResult!))
      result = rowsResult!
    } else result = await this.#connection.execute(toLibsql(rows))
    const width = result.columns.length
    for (const row of result.rows) visit(valuesOf(row, width))
  }
}

function toLibsql(statement: SqlStatement): { sql: string; args: InValue[] } {
  return { sql: statement.sql, args: [...statement.args] }
}

/** A result's rows as {@link SqliteRow}s, with better-sqlite3's keys, key order and value shapes. */
function toRows(result: ResultSet): SqliteRow[] {
  const make = rowMaker(result.columns)
  const width = result.columns.length
  return result.rows.map((row) => make(valuesOf(row, width)))
}

/**
 * A row's values by position. libSQL's row objects also have a property per column name, but a
 * repeated name keeps its first value there; by position, every value is kept and {@link rowMaker}
 * gives a repeated name its last, as better-sqlite3 does.
 */
function valuesOf(row: ArrayLike<unknown>, width: number): SqliteValue[] {
  const values: SqliteValue[] = new Array(width)
  for (let index = 0; index < width; index++) values[index] = sqliteValue(row[index])
  return values
}

function sqliteValue(value: unknown): SqliteValue {
  if (value === null || value === undefined) return null
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string') return value
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (value instanceof Uint8Array) return value
  // `intMode: 'bigint'` never gives anything else; a client made with another intMode would.
  throw new TypeError(`libSQL returned a ${typeof value}, which a SQLite column cannot hold`)
}
