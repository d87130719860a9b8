import { isUtf8 } from 'node:buffer'
import { type DatabaseConnection, quoteIdentifier } from '@ledgerport/core'
import { CompiledQuery, type ControlledTransaction, type Kysely, sql } from 'kysely'
import type { ReplicaColumn } from './type-mapping.js'

/** What to read from a source table, in which order. */
export interface ReadSpec {
  readonly table: string
  /** The columns to select, in row order. */
  readonly columns: ReadonlyArray<ReplicaColumn>
  /**
   * The key columns (a subset of `columns`), read in key order. Empty: the table has no primary key,
   * and rows are read by SQLite's `rowid` or PostgreSQL's `ctid`, appended to each row.
   */
  readonly key: ReadonlyArray<ReplicaColumn>
}

/**
 * Reads a source table in key order, a page at a time (keyset pagination), so memory stays flat
 * whatever the table's size. A page's rows are arrays of the selected columns' values (plus the
 * rowid/ctid for tables without a key). Value types by source: better-sqlite3 (`sqlite:` URLs) gives
 * bigint, number, string, Buffer; libSQL gives number, string, ArrayBuffer (integers beyond 2^53 as
 * their decimal text); PostgreSQL gives every value as PostgreSQL's own text.
 */
export interface SourceReader {
  /** Up to `limit` rows after the key `after` (a previous row's key values), in key order. */
  page(after: ReadonlyArray<unknown> | undefined, limit: number): Promise<unknown[][]>
  /** How many rows the table has. */
  count(): Promise<number>
  /** Releases what the reader holds. */
  close(): Promise<void>
}

/**
 * A SQLite text value whose bytes are not valid UTF-8 (a stray byte, a lone surrogate written as
 * CESU-8): a driver would turn them into U+FFFD, so the reader hands the bytes instead, and the
 * encoders reject the row rather than change the value.
 */
export class InvalidText {
  /** The value's bytes, as stored. */
  readonly bytes: Buffer
  constructor(bytes: Buffer) {
    this.bytes = bytes
  }

  /** `\xHEX`: how rejects and keys show it. */
  toJSON(): string {
    return `\\x${this.bytes.toString('hex')}`
  }

  /** `\xHEX`, as {@link InvalidText.toJSON}. */
  toString(): string {
    return this.toJSON()
  }

  /** Where the first invalid byte is, for the reject's reason. */
  describe(): string {
    const at = firstInvalidByte(this.bytes)
    const shown = this.bytes.subarray(at, Math.min(this.bytes.length, at + 4)).toString('hex')
    return `holds text that is not valid UTF-8 (bytes ${shown} at byte ${at} of ${this.bytes.length}; lone surrogates are not UTF-8 either): copying it would turn them into U+FFFD, so the row is not copied. Fix the value in the source (or store it as a BLOB)`
  }
}

/** The offset of the first byte that does not start a valid UTF-8 character. */
function firstInvalidByte(bytes: Buffer): number {
  let index = 0
  while (index < bytes.length) {
    const lead = bytes[index]!
    const length =
      lead < 0x80
        ? 1
        : lead >= 0xc2 && lead <= 0xdf
          ? 2
          : lead >= 0xe0 && lead <= 0xef
            ? 3
            : lead >= 0xf0 && lead <= 0xf4
              ? 4
              : 0
    if (length === 0 || !isUtf8(bytes.subarray(index, index + length))) return index
    index += length
  }
  return index
}

/**
 * Whether a value read as text may have been changed by the driver: it turns bytes that are not
 * UTF-8 into U+FFFD, so only a string holding U+FFFD needs its bytes checked (a cheap scan of
 * every string; the bytes are read again only for those).
 */
function suspect(value: unknown): value is string {
  return typeof value === 'string' && value.includes('\uFFFD')
}

/** The bytes of a text value, or `undefined`: what a `cast(column as blob)` query gave. */
function asBuffer(value: unknown): Buffer | undefined {
  if (value instanceof ArrayBuffer) return Buffer.from(value)
  if (value instanceof Uint8Array) return Buffer.from(value)
  return undefined
}

/**
 * Puts an {@link InvalidText} in place of each suspect text value (see `suspect`) whose stored bytes
 * (read with `bytesOf(row, column)`) are not UTF-8.
 */
async function checkText(
  rows: unknown[][],
  columns: number,
  bytesOf: (row: unknown[], column: number) => Promise<Buffer | undefined>,
): Promise<void> {
  for (const row of rows) {
    for (let index = 0; index < columns; index++) {
      if (!suspect(row[index])) continue
      const bytes = await bytesOf(row, index)
      if (bytes && !isUtf8(bytes)) row[index] = new InvalidText(bytes)
    }
  }
}

/** `where` of one row by its key (or rowid, appended last): `"a" = ? and "b" = ?`. */
function rowCondition(spec: ReadSpec): string {
  return spec.key.length ? spec.key.map((c) => `${quoteIdentifier(c.name)} = ?`).join(' and ') : 'rowid = ?'
}

/** A key value to bind again: an {@link InvalidText} as the text the driver would have read. */
function bindable(value: unknown): unknown {
  return value instanceof InvalidText ? value.bytes.toString('utf8') : value
}

/** Positions of the key values in a row read by {@link openSourceReader}. */
export function keyIndexes(spec: ReadSpec): number[] {
  if (spec.key.length === 0) return [spec.columns.length]
  return spec.key.map((key) => spec.columns.findIndex((column) => column.name === key.name))
}

/**
 * Opens a reader on the source. `sqlite:` files are read directly with better-sqlite3 (read-only,
 * 64-bit integers exact); libSQL goes through the connection; PostgreSQL reads in one repeatable-read,
 * read-only transaction (one snapshot per table) with UTC, shortest-exact floats and hex `bytea`.
 */
export async function openSourceReader(
  connection: DatabaseConnection,
  spec: ReadSpec,
): Promise<SourceReader> {
  if (connection.capabilities.dialect === 'postgres') return PostgresReader.open(connection.db, spec)
  if (connection.kind === 'sqlite' && connection.path && connection.path !== ':memory:')
    return SqliteFileReader.open(connection.path, spec)
  return new LibsqlReader(connection.db, spec)
}

function keyList(spec: ReadSpec, pseudo: string): string {
  return spec.key.length ? spec.key.map((c) => quoteIdentifier(c.name)).join(', ') : pseudo
}

interface BetterSqliteStatement {
  raw(toggle: boolean): BetterSqliteStatement
  safeIntegers(toggle: boolean): BetterSqliteStatement
  all(...params: unknown[]): unknown[][]
  pluck(toggle: boolean): BetterSqliteStatement
  get(...params: unknown[]): unknown
}

interface BetterSqliteDatabase {
  prepare(sql: string): BetterSqliteStatement
  close(): void
}

class SqliteFileReader implements SourceReader {
  readonly #database: BetterSqliteDatabase
  readonly #first: BetterSqliteStatement
  readonly #next: BetterSqliteStatement
  readonly #table: string
  readonly #spec: ReadSpec
  readonly #keyIndexes: number[]
  readonly #bytes = new Map<number, BetterSqliteStatement>()

  private constructor(database: BetterSqliteDatabase, spec: ReadSpec) {
    this.#database = database
    this.#table = quoteIdentifier(spec.table)
    const columns = spec.columns.map((c) => quoteIdentifier(c.name))
    if (spec.key.length === 0) columns.push('rowid')
    this.#spec = spec
    this.#keyIndexes = keyIndexes(spec)
    const keys = keyList(spec, 'rowid')
    const placeholders = (spec.key.length || 1) > 1 ? `(${spec.key.map(() => '?').join(', ')})` : '?'
    const select = `select ${columns.join(', ')} from ${this.#table}`
    this.#first = database.prepare(`${select} order by ${keys} limit ?`).raw(true).safeIntegers(true)
    this.#next = database
      .prepare(`${select} where (${keys}) > ${placeholders} order by ${keys} limit ?`)
      .raw(true)
      .safeIntegers(true)
  }

  static async open(path: string, spec: ReadSpec): Promise<SqliteFileReader> {
    const { default: Database } = await import('better-sqlite3')
    const database = new Database(path, { readonly: true, fileMustExist: true })
    database.pragma('busy_timeout = 10000')
    return new SqliteFileReader(database as unknown as BetterSqliteDatabase, spec)
  }

  async page(after: ReadonlyArray<unknown> | undefined, limit: number): Promise<unknown[][]> {
    const rows = after ? this.#next.all(...after.map(bindable), limit) : this.#first.all(limit)
    await checkText(rows, this.#spec.columns.length, async (row, column) => {
      let statement = this.#bytes.get(column)
      if (!statement) {
        statement = this.#database
          .prepare(
            `select cast(${quoteIdentifier(this.#spec.columns[column]!.name)} as blob) from ${this.#table} where ${rowCondition(this.#spec)}`,
          )
          .pluck(true)
          .safeIntegers(true)
        this.#bytes.set(column, statement)
      }
      return asBuffer(statement.get(...this.#keyIndexes.map((index) => bindable(row[index]))))
    })
    return rows
  }

  async count(): Promise<number> {
    const statement = this.#database.prepare(`select count(*) from ${this.#table}`).pluck(true)
    return Number(statement.get())
  }

  async close(): Promise<void> {
    this.#database.close()
  }
}

const MAX_SAFE = '9007199254740991'

class LibsqlReader implements SourceReader {
  readonly #db: Kysely<any>
  readonly #spec: ReadSpec
  readonly #select: string
  readonly #keys: string
  readonly #width: number

  constructor(db: Kysely<any>, spec: ReadSpec) {
    this.#db = db
    this.#spec = spec
    // The libSQL client reads integers as JS numbers: larger ones come as their exact text instead.
    const columns = spec.columns.map((column, index) => {
      const name = quoteIdentifier(column.name)
      return `case when typeof(${name}) = 'integer' and (${name} > ${MAX_SAFE} or ${name} < -${MAX_SAFE}) then cast(${name} as text) else ${name} end as c${index}`
    })
    if (spec.key.length === 0) columns.push(`rowid as c${spec.columns.length}`)
    this.#width = columns.length
    this.#select = `select ${columns.join(', ')} from ${quoteIdentifier(spec.table)}`
    this.#keys = keyList(spec, 'rowid')
  }

  async page(after: ReadonlyArray<unknown> | undefined, limit: number): Promise<unknown[][]> {
    const width = this.#spec.key.length || 1
    const placeholders = width > 1 ? `(${Array.from({ length: width }, () => '?').join(', ')})` : '?'
    const query = after
      ? CompiledQuery.raw(
          `${this.#select} where (${this.#keys}) > ${placeholders} order by ${this.#keys} limit ?`,
          [...after.map(bindable), limit],
        )
      : CompiledQuery.raw(`${this.#select} order by ${this.#keys} limit ?`, [limit])
    const { rows } = await this.#db.executeQuery<Record<string, unknown>>(query)
    const values = rows.map((row) => {
      const values = new Array<unknown>(this.#width)
      for (let index = 0; index < this.#width; index++) values[index] = row[`c${index}`]
      return values
    })
    const keys = keyIndexes(this.#spec)
    await checkText(values, this.#spec.columns.length, async (row, column) => {
      const { rows: found } = await this.#db.executeQuery<Record<string, unknown>>(
        CompiledQuery.raw(
          `select cast(${quoteIdentifier(this.#spec.columns[column]!.name)} as blob) as b from ${quoteIdentifier(this.#spec.table)} where ${rowCondition(this.#spec)}`,
          keys.map((index) => bindable(row[index])),
        ),
      )
      return asBuffer(found[0]?.b)
    })
    return values
  }

  async count(): Promise<number> {
    const { rows } = await sql<{
      n: number | bigint
    }>`select count(*) as n from ${sql.raw(quoteIdentifier(this.#spec.table))}`.execute(this.#db)
    return Number(rows[0]?.n ?? 0)
  }

  async close(): Promise<void> {}
}

class PostgresReader implements SourceReader {
  readonly #trx: ControlledTransaction<any>
  readonly #spec: ReadSpec
  readonly #select: string
  readonly #keys: string
  readonly #placeholders: string
  readonly #width: number

  private constructor(trx: ControlledTransaction<any>, spec: ReadSpec) {
    this.#trx = trx
    this.#spec = spec
    const columns = spec.columns.map((column, index) => `${quoteIdentifier(column.name)}::text as c${index}`)
    if (spec.key.length === 0) columns.push(`ctid::text as c${spec.columns.length}`)
    this.#width = columns.length
    this.#select = `select ${columns.join(', ')} from ${quoteIdentifier(spec.table)}`
    this.#keys = keyList(spec, 'ctid')
    this.#placeholders = spec.key.length
      ? `(${spec.key.map((column, index) => `$${index + 1}::${column.declaredType}`).join(', ')})`
      : '($1::tid)'
  }

  static async open(db: Kysely<any>, spec: ReadSpec): Promise<PostgresReader> {
    const trx = await db
      .startTransaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute()
    try {
      await sql`select set_config('timezone', 'UTC', true), set_config('extra_float_digits', '1', true),
        set_config('bytea_output', 'hex', true), set_config('datestyle', 'ISO, YMD', true),
        set_config('intervalstyle', 'postgres', true)`.execute(trx)
    } catch (error) {
      await trx.rollback().execute()
      throw error
    }
    return new PostgresReader(trx, spec)
  }

  async page(after: ReadonlyArray<unknown> | undefined, limit: number): Promise<unknown[][]> {
    const width = after ? after.length : 0
    const query = after
      ? CompiledQuery.raw(
          `${this.#select} where (${this.#keys}) > ${this.#placeholders} order by ${this.#keys} limit $${width + 1}`,
          [...after.map(bindable), limit],
        )
      : CompiledQuery.raw(`${this.#select} order by ${this.#keys} limit $1`, [limit])
    const { rows } = await this.#trx.executeQuery<Record<string, unknown>>(query)
    return rows.map((row) => {
      const values = new Array<unknown>(this.#width)
      for (let index = 0; index < this.#width; index++) values[index] = row[`c${index}`]
      return values
    })
  }

  async count(): Promise<number> {
    const { rows } = await sql<{
      n: string
    }>`select count(*) as n from ${sql.raw(quoteIdentifier(this.#spec.table))}`.execute(this.#trx)
    return Number(rows[0]?.n ?? 0)
  }

  async close(): Promise<void> {
    if (!this.#trx.isCommitted && !this.#trx.isRolledBack) await this.#trx.rollback().execute()
  }
}
