import { mapVocabulary, toDecimal, toInstant } from '@ledgerport/core'
import { type LosslessJson, parseJsonLossless } from './lossless-json.js'
import type { V2Row } from './v2-database.js'
import { standardSpelling } from './vocabularies.js'

/** One bad field of a v2 row. */
export interface FieldProblem {
  /** The v2 column. */
  readonly field: string
  /** What is wrong with its value. */
  readonly reason: string
}

/** A parsed time: the value to give the engine (raw, so naive times are counted) and its instant. */
export interface ReadInstant {
  readonly raw: string | number
  /** ISO-8601 UTC. */
  readonly iso: string
}

/** A JSON column as read. */
export interface ReadJson {
  /** The parsed value, or the text itself when it is not JSON. */
  readonly value: LosslessJson
  /** False when the text is not JSON (then `value` is the text). */
  readonly valid: boolean
  /** Set when a number in it has more digits than a JS number holds: the exact source text. */
  readonly exactText?: string
}

/**
 * Reads the columns of one v2 row, converting as it goes and remembering which columns it used, so
 * every other column can go to `extra` as it is. Bad values are collected in {@link problems}
 * instead of thrown. Raw spellings that the mapping does not keep (Bybit's "unset" values, odd
 * casing of a vocabulary) are collected in {@link raw}, which becomes `extra.v2_raw`.
 *
 * "Unset" spellings (`unset: true`): null, `""`, `UNKNOWN` (any case) and any zero (`0`, `"0"`, `"0.00"`)
 * are read as no value.
 */
export class RowReader {
  readonly #row: V2Row
  readonly #timeZone: string
  readonly #used = new Set<string>()
  /** Raw spellings of values the mapping changed or dropped, by column. */
  readonly raw: Record<string, unknown> = {}
  /** Bad values. */
  readonly problems: FieldProblem[] = []
  /** JSON columns holding text that is not JSON. */
  readonly invalidJson: string[] = []
  /** JSON columns with numbers a JS number cannot hold exactly. */
  readonly lossyJson: string[] = []

  constructor(row: V2Row, timeZone: string) {
    this.#row = row
    this.#timeZone = timeZone
  }

  /** Whether the row has the column. */
  has(column: string): boolean {
    return Object.hasOwn(this.#row, column)
  }

  /** The column's value as stored (`undefined` when the table has no such column). */
  value(column: string): unknown {
    this.#used.add(column)
    const value = this.#row[column]
    return value === null ? null : value
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
    if (text === null) this.problems.push({ field: column, reason: `${describe(value)} is not text` })
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
      this.problems.push({ field: column, reason: (error as Error).message })
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
    this.problems.push({ field: column, reason: `${describe(value)} is not an integer` })
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
    this.problems.push({ field: column, reason: `${describe(value)} is not a boolean (0/1, true/false)` })
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
      this.problems.push({ field: column, reason: `${describe(value)} is not a time` })
      return null
    }
    try {
      return { raw: value, iso: toInstant(value, this.#timeZone).instant }
    } catch (error) {
      this.problems.push({ field: column, reason: (error as Error).message })
      return null
    }
  }

  /** A JSON column: parsed losslessly; text that is not JSON is kept as text. `""` is null. */
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
      const parsed = parseJsonLossless(text)
      if (!parsed.lossy) return { value: parsed.value, valid: true }
      this.lossyJson.push(column)
      return { value: parsed.value, valid: true, exactText: text }
    } catch {
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
      typeof value === 'number' && Number.isFinite(value) ? plainNumberText(value) : plain(value)
  }

  /** Every column not read yet, with values made JSON-safe (decimals as exact text). */
  rest(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [column, value] of Object.entries(this.#row)) {
      if (this.#used.has(column)) continue
      out[column] = plain(value)
    }
    return out
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

/** A stored value made JSON-safe without loss: non-integer numbers as exact decimal text. */
function plain(value: unknown): unknown {
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
  for (const [column, value] of Object.entries(row)) out[column] = plain(value)
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
