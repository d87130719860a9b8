import { hash } from 'node:crypto'
import { copyTextEscape as copyEscape, DecimalError, describeValue, toDecimal } from '@ledgerport/core'
import { ByteWriter } from './byte-writer.js'
import { InvalidText } from './source-reader.js'
import { commonTimestampMicros, parseTimeText, timestampMicros } from './time-text.js'
import type { EngineFamily, ReplicaColumn, TypeMappingOptions } from './type-mapping.js'

/** Why one value of a row did not convert: the row goes to the rejects, the run goes on. */
export interface RejectedValue {
  readonly column: string
  readonly reason: string
  readonly value: unknown
}

/** Counts of values converted in a way worth a warning, by column. */
export interface ConversionNotes {
  /** Times with a UTC offset written to a naive `timestamp` column as UTC. */
  readonly offsetToUtc: Map<string, number>
  /** Naive times written to a `timestamptz` column as UTC. */
  readonly naiveAsUtc: Map<string, number>
}

/** A row's hash as kept in the replica state: 22 base64 characters (132 bits) of its SHA-256. */
export function rowHashOf(bytes: Uint8Array): string {
  return hash('sha256', bytes, 'base64').slice(0, 22)
}

/** Tells a rejected value from a hash. */
export function isRejected(result: unknown): result is RejectedValue {
  return typeof result === 'object' && result !== null && 'reason' in result
}

/** The replica-state key of a row: its key values as text, joined by U+001F. */
export function keyText(row: ReadonlyArray<unknown>, keyIndexes: ReadonlyArray<number>): string {
  if (keyIndexes.length === 1) return keyPart(row[keyIndexes[0]!])
  let text = ''
  for (let index = 0; index < keyIndexes.length; index++) {
    if (index) text += '\u001f'
    text += keyPart(row[keyIndexes[index]!])
  }
  return text
}

function keyPart(value: unknown): string {
  if (value === null || value === undefined) return '\u2400'
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`
  if (value instanceof ArrayBuffer) return `\\x${Buffer.from(value).toString('hex')}`
  return String(value)
}

/** `id=42` or `a=1, b=x`: a row's key for rejects and messages. */
export function describeKey(
  names: ReadonlyArray<string>,
  row: ReadonlyArray<unknown>,
  indexes: ReadonlyArray<number>,
): string {
  return names.map((name, i) => `${name}=${keyPart(row[indexes[i]!])}`).join(', ')
}

/** Encodes rows for PostgreSQL's COPY: appends each accepted row to `out` and returns its hash. */
export interface PgRowEncoder {
  /** `binary` for SQLite/libSQL sources (typed values), `text` for PostgreSQL sources (text values). */
  readonly format: 'binary' | 'text'
  /** Every accepted row since the last `out.reset()`. */
  readonly out: ByteWriter
  /** Appends the row, or leaves `out` as it was and says which value did not convert. */
  encode(row: ReadonlyArray<unknown>): string | RejectedValue
}

/** The 19-byte header of a binary COPY stream. */
export const COPY_BINARY_HEADER: Buffer = Buffer.concat([
  Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
  Buffer.alloc(8),
])
/** The trailer of a binary COPY stream. */
export const COPY_BINARY_TRAILER: Buffer = Buffer.from([0xff, 0xff])

type BinaryField = (value: unknown, out: ByteWriter) => string | undefined

/**
 * The COPY encoder for a table: binary COPY with typed values for SQLite/libSQL sources, text COPY for
 * PostgreSQL sources (whose values arrive as PostgreSQL's own text).
 */
export function createPgRowEncoder(
  columns: ReadonlyArray<ReplicaColumn>,
  source: EngineFamily,
  options: TypeMappingOptions,
  notes: ConversionNotes,
): PgRowEncoder {
  return source === 'postgres' ? new PgTextEncoder(columns) : new PgBinaryEncoder(columns, options, notes)
}

class PgBinaryEncoder implements PgRowEncoder {
  readonly format = 'binary'
  readonly out = new ByteWriter(1 << 20)
  readonly #columns: ReadonlyArray<ReplicaColumn>
  readonly #fields: ReadonlyArray<BinaryField>

  constructor(columns: ReadonlyArray<ReplicaColumn>, options: TypeMappingOptions, notes: ConversionNotes) {
    this.#columns = columns
    this.#fields = columns.map((column) => binaryField(column, options, notes))
  }

  encode(row: ReadonlyArray<unknown>): string | RejectedValue {
    const out = this.out
    const start = out.length
    const columns = this.#columns
    const fields = this.#fields
    // Room for every fixed-size field; variable-size ones make their own room.
    out.ensure(2 + 13 * fields.length)
    out.int16(fields.length)
    for (let index = 0; index < fields.length; index++) {
      const value = row[index]
      if (value === null || value === undefined) {
        if (columns[index]!.notNull) {
          out.truncate(start)
          return { column: columns[index]!.name, reason: 'NULL in a NOT NULL column', value: null }
        }
        out.fieldNull()
        continue
      }
      if (value instanceof InvalidText) {
        out.truncate(start)
        return invalidText(columns[index]!.name, value)
      }
      const problem = fields[index]!(value, out)
      if (problem !== undefined) {
        out.truncate(start)
        return {
          column: columns[index]!.name,
          reason: `${describeValue(printable(value))} ${problem}`,
          value,
        }
      }
    }
    return rowHashOf(out.view(start))
  }
}

class PgTextEncoder implements PgRowEncoder {
  readonly format = 'text'
  readonly out = new ByteWriter(1 << 20)
  readonly #count: number

  constructor(columns: ReadonlyArray<ReplicaColumn>) {
    this.#count = columns.length
  }

  encode(row: ReadonlyArray<unknown>): string | RejectedValue {
    let line = ''
    for (let index = 0; index < this.#count; index++) {
      if (index) line += '\t'
      const value = row[index]
      line += value === null || value === undefined ? '\\N' : copyEscape(String(value))
    }
    line += '\n'
    const start = this.out.length
    this.out.text(line)
    return rowHashOf(this.out.view(start))
  }
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const MAX_EXACT_DOUBLE = 2n ** 53n
const INTEGER_TEXT = /^\s*[+-]?\d{1,19}\s*$/

function printable(value: unknown): unknown {
  if (value instanceof Uint8Array) return `x'${Buffer.from(value.subarray(0, 24)).toString('hex')}'`
  if (value instanceof ArrayBuffer) return printable(new Uint8Array(value))
  return value
}

function kindOf(value: unknown): string {
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return 'BLOB'
  if (typeof value === 'string') return 'text'
  return typeof value
}

function asBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  return undefined
}

/** How one value of a SQLite/libSQL column becomes a binary COPY field of its PostgreSQL type. */
function binaryField(
  column: ReplicaColumn,
  options: TypeMappingOptions,
  notes: ConversionNotes,
): BinaryField {
  switch (column.kind) {
    case 'integer':
      return (value, out) => {
        if (typeof value === 'bigint') {
          out.fieldBigInt64(value)
          return undefined
        }
        if (typeof value === 'number') {
          if (!Number.isSafeInteger(value)) return 'is not an integer'
          out.fieldInt64(value)
          return undefined
        }
        if (typeof value === 'string' && INTEGER_TEXT.test(value)) {
          const parsed = BigInt(value.trim())
          if (parsed < INT64_MIN || parsed > INT64_MAX) return 'is out of the bigint range'
          out.fieldBigInt64(parsed)
          return undefined
        }
        return typeof value === 'string' ? 'is not an integer' : `is a ${kindOf(value)}, not an integer`
      }
    case 'boolean':
      return (value, out) => {
        const flag = booleanOf(value)
        if (flag === undefined) return 'is not a boolean (0 or 1)'
        out.fieldBoolean(flag)
        return undefined
      }
    case 'float':
      if (options.exactDecimals) return decimalField(true)
      return (value, out) => {
        let number: number
        if (typeof value === 'number') number = value
        else if (typeof value === 'bigint') {
          if (value > MAX_EXACT_DOUBLE || value < -MAX_EXACT_DOUBLE)
            return 'is too large for double precision (use --exact-decimals)'
          number = Number(value)
        } else return `is ${kindOf(value) === 'text' ? 'text' : `a ${kindOf(value)}`}, not a number`
        out.fieldDouble(number)
        return undefined
      }
    case 'decimal':
      return decimalField(false)
    case 'timestamp':
    case 'timestamptz': {
      const aware = column.kind === 'timestamptz'
      return (value, out) => {
        if (typeof value !== 'string')
          return `is a ${kindOf(value)}, not a date and time text (epoch numbers are not guessed at)`
        const common = commonTimestampMicros(value)
        if (common !== undefined) {
          if (aware) count(notes.naiveAsUtc, column.name)
          out.fieldInt64(common)
          return undefined
        }
        const time = parseTimeText(value)
        if (typeof time === 'string') return time
        if (time.offsetMinutes !== undefined && !aware) count(notes.offsetToUtc, column.name)
        if (time.offsetMinutes === undefined && aware) count(notes.naiveAsUtc, column.name)
        const micros = timestampMicros(time)
        if (typeof micros === 'bigint') out.fieldBigInt64(micros)
        else out.fieldInt64(micros)
        return undefined
      }
    }
    case 'date':
      return (value, out) => {
        if (typeof value !== 'string') return `is a ${kindOf(value)}, not a date text`
        const time = parseTimeText(value)
        if (typeof time === 'string') return time
        if (time.hasTime && (time.seconds !== 0 || time.micros !== 0)) return 'has a time of day'
        out.int32(4)
        out.int32(time.days)
        return undefined
      }
    case 'blob':
      return (value, out) => {
        const bytes = asBytes(value)
        if (bytes) out.lengthPrefixedBytes(bytes)
        else if (typeof value === 'string') out.lengthPrefixedText(value)
        else return `is a ${kindOf(value)}, not a BLOB`
        return undefined
      }
    case 'json':
      return (value, out) => {
        const text = typeof value === 'number' || typeof value === 'bigint' ? String(value) : value
        if (typeof text !== 'string') return `is a ${kindOf(value)}, not JSON text`
        try {
          JSON.parse(text)
        } catch {
          return 'is not valid JSON'
        }
        if (text.includes('\u0000')) return 'contains a NUL character (PostgreSQL text cannot hold it)'
        out.lengthPrefixedText(text)
        return undefined
      }
    default: {
      const limit = column.length
      return (value, out) => {
        const text =
          typeof value === 'string'
            ? value
            : typeof value === 'number' || typeof value === 'bigint'
              ? String(value)
              : undefined
        if (text === undefined) return `is a ${kindOf(value)}, not text`
        if (text.includes('\u0000')) return 'contains a NUL character (PostgreSQL text cannot hold it)'
        if (limit !== undefined && text.length > limit && [...text].length > limit)
          return `is longer than ${limit} characters`
        out.lengthPrefixedText(text)
        return undefined
      }
    }
  }
}

function booleanOf(value: unknown): boolean | undefined {
  if (value === 0 || value === 0n) return false
  if (value === 1 || value === 1n) return true
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase()
    if (text === '1' || text === 'true' || text === 't') return true
    if (text === '0' || text === 'false' || text === 'f') return false
  }
  return undefined
}

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}

/** A `numeric` field: the exact decimal of text and integers; a double's shortest round-trip text. */
function decimalField(fromFloat: boolean): BinaryField {
  return (value, out) => {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      if (Number.isNaN(value)) return 'is NaN'
      writeSpecialNumeric(out, value > 0 ? 0xd000 : 0xf000)
      return undefined
    }
    if (typeof value === 'string' && fromFloat) return 'is text, not a number'
    if (typeof value !== 'number' && typeof value !== 'bigint' && typeof value !== 'string')
      return `is a ${kindOf(value)}, not a number`
    let text: string
    try {
      text = toDecimal(value)
    } catch (error) {
      if (error instanceof DecimalError) return 'is not a decimal number'
      throw error
    }
    writeNumeric(out, text)
    return undefined
  }
}

function writeSpecialNumeric(out: ByteWriter, sign: number): void {
  out.int32(8)
  out.int16(0)
  out.int16(0)
  out.uint16(sign)
  out.int16(0)
}

/**
 * Writes normalised decimal text (`-?digits[.digits]`, as {@link toDecimal} returns it) as a binary
 * `numeric`: base-10000 digit groups, weight, sign and display scale (the scale is kept: `1.50`
 * stays `1.50`).
 */
export function writeNumeric(out: ByteWriter, decimal: string): void {
  let text = decimal
  let negative = false
  if (text.charCodeAt(0) === 45) {
    negative = true
    text = text.slice(1)
  }
  const point = text.indexOf('.')
  const integer = point < 0 ? text : text.slice(0, point)
  const fraction = point < 0 ? '' : text.slice(point + 1)
  const scale = fraction.length
  const integerPadded = '0'.repeat((4 - (integer.length % 4)) % 4) + integer
  const fractionPadded = fraction + '0'.repeat((4 - (fraction.length % 4)) % 4)
  const groups: number[] = []
  for (let i = 0; i < integerPadded.length; i += 4) groups.push(Number(integerPadded.slice(i, i + 4)))
  let weight = groups.length - 1
  for (let i = 0; i < fractionPadded.length; i += 4) groups.push(Number(fractionPadded.slice(i, i + 4)))
  let first = 0
  while (first < groups.length && groups[first] === 0) {
    first++
    weight--
  }
  let end = groups.length
  while (end > first && groups[end - 1] === 0) end--
  const digits = end - first
  if (digits === 0) {
    weight = 0
    negative = false
  }
  out.int32(8 + 2 * digits)
  out.int16(digits)
  out.int16(weight)
  out.uint16(negative ? 0x4000 : 0)
  out.int16(scale)
  for (let i = first; i < end; i++) out.int16(groups[i]!)
}

/** Converts source rows to the values a SQLite/libSQL target binds, and hashes them. */
export interface SqliteRowEncoder {
  /** The row's values to insert and its hash, or which value did not convert. */
  encode(row: ReadonlyArray<unknown>): { readonly values: unknown[]; readonly hash: string } | RejectedValue
}

type SqliteValue = (value: string) => unknown

/**
 * The encoder for a SQLite/libSQL target: SQLite/libSQL values are copied as they are (same engine,
 * same storage classes); PostgreSQL's text values are converted by type (integers exactly as
 * INTEGER, booleans as 0/1, `bytea` as BLOB, `numeric` as text, `timestamptz` as ISO text with `Z`).
 */
export function createSqliteRowEncoder(
  columns: ReadonlyArray<ReplicaColumn>,
  source: EngineFamily,
): SqliteRowEncoder {
  const hashOut = new ByteWriter(1 << 14)
  const converters = source === 'postgres' ? columns.map(sqliteValueOf) : undefined
  return {
    encode(row) {
      hashOut.reset()
      const values = new Array<unknown>(columns.length)
      for (let index = 0; index < columns.length; index++) {
        let value = row[index]
        if (value === undefined) value = null
        else if (value instanceof InvalidText) return invalidText(columns[index]!.name, value)
        else if (value instanceof ArrayBuffer) value = Buffer.from(value)
        else if (converters && value !== null) {
          value = converters[index]!(value as string)
          if (value === undefined) {
            return {
              column: columns[index]!.name,
              reason: `${describeValue(row[index])} ${NAN_REASON}`,
              value: row[index],
            }
          }
        }
        values[index] = value
        hashValue(hashOut, value)
      }
      return { values, hash: rowHashOf(hashOut.view()) }
    },
  }
}

/** The reject of a text value that is not UTF-8: kept out rather than changed to U+FFFD. */
function invalidText(column: string, value: InvalidText): RejectedValue {
  return { column, reason: value.describe(), value: `\\x${value.bytes.toString('hex')}` }
}

const NAN_REASON = 'cannot be stored in SQLite (a NaN REAL becomes NULL)'

function sqliteValueOf(column: ReplicaColumn): SqliteValue {
  switch (column.kind) {
    case 'integer':
      return (text) => BigInt(text)
    case 'boolean':
      return (text) => (text === 't' || text === 'true' ? 1n : 0n)
    case 'float':
      return (text) => (text === 'NaN' ? undefined : Number(text))
    case 'timestamptz':
      return (text) =>
        /^\d{4}-\d{2}-\d{2} /.test(text) ? `${text.replace(' ', 'T').replace(/\+00(:00)?$/, '')}Z` : text
    case 'blob':
      return (text) => Buffer.from(text.slice(2), 'hex')
    default:
      return (text) => text
  }
}

/** Feeds one bindable value to a row hash, with its storage class. */
function hashValue(out: ByteWriter, value: unknown): void {
  if (value === null) out.uint8(0)
  else if (typeof value === 'bigint') {
    out.uint8(1)
    out.text(value.toString())
    out.uint8(0)
  } else if (typeof value === 'number') {
    out.uint8(2)
    out.double(value)
  } else if (typeof value === 'string') {
    out.uint8(3)
    out.lengthPrefixedText(value)
  } else if (value instanceof Uint8Array) {
    out.uint8(4)
    out.lengthPrefixedBytes(value)
  } else {
    out.uint8(5)
    out.lengthPrefixedText(String(value))
  }
}
