import { compareDecimals, mapVocabulary, toDecimal, toInstant } from '@ledgerport/core'
import { FieldReader, JsonDepthError, type JsonTree, parseJson } from '@ledgerport/source-kit'
import type { V2Row } from './v2-database.js'
import { standardSpelling } from './vocabularies.js'

/** A parsed time: the value to give the engine (raw, so naive times are counted) and its instant. */
export interface ReadInstant {
  readonly raw: string | number
  /** ISO-8601 UTC. */
  readonly iso: string
}

/** A JSON column as read. */
export interface ReadJson {
  /** The parsed value, or the text itself when it is not JSON. */
  readonly value: JsonColumnValue
  /** False when the text is not JSON (then `value` is the text). */
  readonly valid: boolean
  /** Set when a number in it has more digits than a JS number holds: the exact source text. */
  readonly exactText?: string
}

/**
 * The kit's {@link FieldReader} for one v2 row, with the v2 conversions: it reads the columns,
 * converting as it goes and remembering which columns it used, so every other column can go to
 * `extra` as it is ({@link FieldReader.rest} with {@link plainValue}). Bad values are collected as
 * {@link FieldReader.issues} instead of thrown. Raw spellings that the mapping does not keep (Bybit's "unset" values, odd
 * casing of a vocabulary) are collected in {@link raw}, which becomes `extra.v2_raw`.
 *
 * "Unset" spellings (`unset: true`): null, `""`, `UNKNOWN` (any case) and any zero (`0`, `"0"`, `"0.00"`)
 * are read as no value.
 */
export class RowReader extends FieldReader<unknown> {
  readonly #timeZone: string
  /** Raw spellings of values the mapping changed or dropped, by column. */
  readonly raw: Record<string, unknown> = {}
  /** JSON columns holding text that is not JSON. */
  readonly invalidJson: string[] = []
  /** JSON columns with numbers a JS number cannot hold exactly. */
  readonly lossyJson: string[] = []

  constructor(row: V2Row, timeZone: string) {
    super(row, { noun: 'row' })
    this.#timeZone = timeZone
  }

  /** Text, or null. With `unset`, Bybit's unset spellings are null. */
  text(column: string, options: { unset?: boolean } = {}): string | null {
    const value = this.value(column)
    if (value === null || value === undefined) return null
    if (options.unset && isUnset(value)) {
      this.#keep(column, value)
      return null
    }
    const text = textOf(value, false)
    if (text === null) this.issue(column, `${describe(value)} is not text`)
    return text
  }

  /** A row id (`id`, `trade_id`, `signal_id`) as text, or null. */
  id(column: string): string | null {
    const value = this.value(column)
    const id = idOf(value)
    if (id === null && typeof value === 'string') this.raw[column] = value
    return id
  }

  /** An exact decimal string, or null. With `unset`, Bybit's unset spellings (and zero) are null. */
  decimal(column: string, options: { unset?: boolean } = {}): string | null {
    const value = this.value(column)
    if (value === null || value === undefined) return null
    if (options.unset && isUnset(value)) {
      this.#keep(column, value)
      return null
    }
    if (typeof value === 'string' && value.trim() === '') {
      this.raw[column] = value
      return null
    }
    try {
      return toDecimal(typeof value === 'string' ? value.trim() : value)
    } catch (error) {
      this.issue(column, (error as Error).message)
      return null
    }
  }

  /** An integer (a JS number when safe, else its text), or null. */
  integer(column: string): number | string | null {
    const value = this.value(column)
    if (value === null || value === undefined) return null
    if (typeof value === 'number' && Number.isInteger(value)) return value
    if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value)
    if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) {
      const number = Number(value.trim())
      return Number.isSafeInteger(number) ? number : value.trim()
    }
    if (typeof value === 'string' && value.trim() === '') {
      this.raw[column] = value
      return null
    }
    this.issue(column, `${describe(value)} is not an integer`)
    return null
  }

  /** A boolean (SQLite 0/1, PostgreSQL true/false, text yes/no), or null. */
  boolean(column: string): boolean | null {
    const value = this.value(column)
    if (value === null || value === undefined) return null
    if (typeof value === 'boolean') return value
    if (value === 1 || value === 1n) return true
    if (value === 0 || value === 0n) return false
    if (typeof value === 'string') {
      const text = value.trim().toLowerCase()
      if (['true', 't', '1', 'yes', 'y'].includes(text)) return true
      if (['false', 'f', '0', 'no', 'n'].includes(text)) return false
      if (text === '') {
        this.raw[column] = value
        return null
      }
    }
    this.issue(column, `${describe(value)} is not a boolean (0/1, true/false)`)
    return null
  }

  /** A time: ISO-8601 text (with or without zone), or epoch seconds/milliseconds; or null. */
  instant(column: string): ReadInstant | null {
    const value = this.value(column)
    if (value === null || value === undefined) return null
    if (typeof value === 'string' && value.trim() === '') {
      this.raw[column] = value
      return null
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      this.issue(column, `${describe(value)} is not a time`)
      return null
    }
    try {
      return { raw: value, iso: toInstant(value, this.#timeZone).instant }
    } catch (error) {
      this.issue(column, (error as Error).message)
      return null
    }
  }

  /**
   * A JSON column, parsed losslessly ({@link parseJsonColumn}); text that is not JSON is kept as
   * text, and `""` is null. A value nested deeper than `MAX_JSON_DEPTH` is an issue (the row is
   * rejected): it cannot be written or read back safely.
   */
  json(column: string): ReadJson | null {
    const value = this.value(column)
    if (value === null || value === undefined) return null
    if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
      return { value, valid: true }
    const text = typeof value === 'string' ? value : String(value)
    if (text.trim() === '') {
      this.raw[column] = value
      return null
    }
    try {
      const parsed = parseJsonColumn(text)
      if (!parsed.lossy) return { value: parsed.value, valid: true }
      this.lossyJson.push(column)
      return { value: parsed.value, valid: true, exactText: text }
    } catch (error) {
      if (error instanceof JsonDepthError) {
        this.issue(column, `holds ${error.message}`)
        return null
      }
      this.invalidJson.push(column)
      return { value: text, valid: false }
    }
  }

  /**
   * A vocabulary column mapped with `table`: the canonical value (null when unknown or empty) and the
   * raw text. A raw value not in its standard spelling is kept in {@link raw}.
   */
  vocab<T extends string>(
    column: string,
    table: Readonly<Record<string, T>>,
    options: { unset?: boolean } = {},
  ): { value: T | null; raw: string | null } {
    const value = this.value(column)
    if (value === null || value === undefined) return { value: null, raw: null }
    if (options.unset && isUnset(value)) {
      this.#keep(column, value)
      return { value: null, raw: null }
    }
    const mapped = mapVocabulary(value, table)
    if (mapped.value !== null && mapped.sourceStatus !== standardSpelling(table, mapped.value))
      this.#keep(column, value)
    return { value: mapped.value, raw: mapped.sourceStatus }
  }

  /** Keeps a raw spelling; numbers as their decimal text, so both engines keep the same. */
  #keep(column: string, value: unknown): void {
    this.raw[column] =
      typeof value === 'number' && Number.isFinite(value) ? plainNumberText(value) : plainValue(value)
  }
}

/** Bybit's "unset" spellings: null, `""`, `UNKNOWN`, and zero in any spelling (`0`, `0.00`). */
export function isUnset(value: unknown): boolean {
  if (value === null || value === undefined) return true
  if (typeof value === 'number') return value === 0
  if (typeof value === 'bigint') return value === 0n
  if (typeof value !== 'string') return false
  const text = value.trim()
  return text === '' || text.toUpperCase() === 'UNKNOWN' || /^[+-]?(0+\.?0*|\.0+)$/.test(text)
}

/**
 * A stored value made JSON-safe without loss: non-integer numbers as exact decimal text, bigints as
 * text, blobs as `{ base64 }`.
 */
export function plainValue(value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value)
    return Number.isSafeInteger(value) ? value : toDecimal(value)
  }
  if (typeof value === 'bigint') return value.toString()
  if (Buffer.isBuffer(value)) return { base64: value.toString('base64') }
  return value
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
  if (Buffer.isBuffer(value)) return `a ${value.length}-byte blob`
  return String(value)
}

/** A v2 row made JSON-safe (for a reject's `raw`). */
export function plainRow(row: V2Row): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [column, value] of Object.entries(row)) out[column] = plainValue(value)
  return out
}

/**
 * A Bybit symbol as ledgerport writes it: trimmed, upper case (`btcusdt ` → `BTCUSDT`). For tables
 * without a `raw_symbol` column, a symbol spelled otherwise is kept in the reader's `raw`.
 */
export function canonicalSymbol(raw: string | null, reader?: RowReader): string | null {
  if (raw === null) return null
  const symbol = raw.trim().toUpperCase()
  if (reader && symbol !== raw) reader.raw.symbol = raw
  return symbol
}

/**
 * A stored value as text, the way {@link RowReader.text} reads it: strings as they are, numbers as
 * their text; null for null, for what is not text, and (with `unset`) for Bybit's unset spellings.
 */
export function textOf(value: unknown, unset: boolean): string | null {
  if (value === null || value === undefined) return null
  if (unset && isUnset(value)) return null
  if (typeof value === 'string') return value
  if (typeof value === 'number') return Number.isFinite(value) ? plainNumberText(value) : null
  if (typeof value === 'bigint') return String(value)
  return null
}

/** A row id as text, the way {@link RowReader.id} reads it: trimmed; null when empty. */
export function idOf(value: unknown): string | null {
  const text = textOf(value, false)
  if (text === null) return null
  const trimmed = text.trim()
  return trimmed === '' ? null : trimmed
}

function plainNumberText(value: number): string {
  return Number.isInteger(value) && Number.isSafeInteger(value) ? String(value) : toDecimal(value)
}

/** A JSON column's value as {@link parseJsonColumn} gives it: integers beyond 2^53 are bigints. */
export type JsonColumnValue = JsonTree<number | bigint | string>

const INTEGER = /^-?\d+$/

/**
 * A JSON column's text parsed with the kit's `parseJson`, without losing digits: integers outside
 * JS's safe range become bigints (written back digit for digit by `canonicalJson`), other numbers are
 * JS numbers, and `lossy` is set when one has more digits than a JS number holds
 * (`0.1000000000000000000001`) or is out of range (then its text is kept), so the source text should
 * be kept too.
 *
 * @throws {JsonSyntaxError} when the text is not JSON.
 * @throws {JsonDepthError} when it nests deeper than `MAX_JSON_DEPTH`.
 */
export function parseJsonColumn(text: string): { value: JsonColumnValue; lossy: boolean } {
  let lossy = false
  const value = parseJson(text, {
    number: (digits): number | bigint | string => {
      if (INTEGER.test(digits)) {
        const n = Number(digits)
        return Number.isSafeInteger(n) ? (n === 0 ? 0 : n) : BigInt(digits)
      }
      const n = Number(digits)
      if (!Number.isFinite(n)) {
        lossy = true
        return digits
      }
      if (compareDecimals(toDecimal(n), digits) !== 0) lossy = true
      return n
    },
  })
  return { value, lossy }
}
