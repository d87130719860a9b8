import { DecimalError, describeValue, InstantError, toDecimal, toInstant } from '@ledgerport/core'
import type { FieldIssue } from '@ledgerport/source-kit'

/** A value as better-sqlite3 returns it with `safeIntegers`: REAL → number, INTEGER → bigint. */
export type SqliteValue = number | bigint | string | Uint8Array | null

/** A row as better-sqlite3 returns it. */
export type SqliteRow = Readonly<Record<string, SqliteValue | undefined>>

/**
 * A source column whose value cannot be mapped, thrown by the readers below: a `FieldIssue` (the
 * issue shape every source shares, `@ledgerport/source-kit`'s), whose `reason` (the message) starts
 * with the value.
 */
export class FieldError extends Error implements FieldIssue {
  /** `FieldError`. */
  override readonly name = 'FieldError'
  /** The source column. */
  readonly field: string

  /** An error of column `field`; `message` is the reason, starting with the value. */
  constructor(field: string, message: string) {
    super(message)
    this.field = field
  }

  /** What is wrong: the message. */
  get reason(): string {
    return this.message
  }
}

/**
 * A FLOAT column as an exact decimal string: a REAL as its shortest round-trip text (`0.1 + 0.2` →
 * `0.30000000000000004`, `1.5e-7` → `0.00000015`), an INTEGER as its digits, numeric text as written.
 * `null` stays `null`.
 *
 * @throws {FieldError} for text that is not a number, infinities and blobs.
 */
export function decimalOf(row: SqliteRow, column: string): string | null {
  const value = row[column]
  if (value === null || value === undefined) return null
  if (typeof value === 'number') {
    const text = realText(value)
    if (text !== undefined) return text
  }
  try {
    if (typeof value === 'string' && value.trim() === '') throw new DecimalError('empty text')
    if (value instanceof Uint8Array) throw new DecimalError('a blob')
    return toDecimal(value)
  } catch (error) {
    if (!(error instanceof DecimalError)) throw error
    throw new FieldError(column, `${describeValue(value)} is not a number`)
  }
}

/**
 * A finite REAL's shortest round-trip text when that is already a plain decimal (`String(n)` has no
 * exponent: the same text `toDecimal` gives, without parsing it again); else `undefined`.
 */
function realText(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined
  const text = String(value)
  return text.includes('e') ? undefined : text
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]`, SQLAlchemy's DATETIME text, turned into ISO-8601 UTC without a parse. */
const SQLALCHEMY_TIME = /^((\d{4})-(\d{2})-(\d{2})) ((\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?)$/

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Whether a matched SQLAlchemy time names a real date and time of day (else `toInstant` says why not). */
function validFields(match: RegExpExecArray): boolean {
  const year = Number(match[2])
  const month = Number(match[3])
  const day = Number(match[4])
  if (!year || !month || month > 12 || !day || day > DAYS[month - 1]!) return false
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return false
  return Number(match[6]) <= 23 && Number(match[7]) <= 59 && Number(match[8]) <= 59
}

/** Naive `YYYY-MM-DD HH:MM[:SS[.ffffff]]`, as SQLAlchemy stores DATETIME. */
const NAIVE_TIME = /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/

/**
 * A DATETIME column as a UTC instant `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`. Freqtrade stores naive UTC
 * (SQLAlchemy drops the offset), so naive text is read as UTC whatever `--timezone` says; text with an
 * offset and epoch numbers are read as they are. `null` stays `null`.
 *
 * @throws {FieldError} for text that is not a time.
 */
export function instantOf(row: SqliteRow, column: string): string | null {
  const value = row[column]
  if (value === null || value === undefined) return null
  if (typeof value === 'string') {
    // The usual form, converted without a full parse.
    const match = SQLALCHEMY_TIME.exec(value)
    if (match && validFields(match)) return `${match[1]}T${match[5]}Z`
  }
  try {
    if (value instanceof Uint8Array) throw new InstantError('a blob')
    const text = typeof value === 'string' ? value.trim() : value
    const utc = typeof text === 'string' && NAIVE_TIME.test(text) ? `${text}Z` : text
    return toInstant(utc, 'UTC').instant
  } catch (error) {
    if (!(error instanceof InstantError)) throw error
    throw new FieldError(column, `${describeValue(value)} is not a time`)
  }
}

/** A BOOLEAN column (0/1, or text true/false) as a boolean; `null` stays `null`. */
export function booleanOf(row: SqliteRow, column: string): boolean | null {
  const value = row[column]
  if (value === null || value === undefined) return null
  if (value === 1n || value === 1) return true
  if (value === 0n || value === 0) return false
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase()
    if (['1', 'true', 't'].includes(text)) return true
    if (['0', 'false', 'f'].includes(text)) return false
  }
  throw new FieldError(column, `${describeValue(plain(value))} is not a boolean (0 or 1)`)
}

/** A TEXT column as text (numbers as their digits); `null` stays `null`. */
export function textOf(row: SqliteRow, column: string): string | null {
  const value = row[column]
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number') return String(value)
  throw new FieldError(column, 'is a blob, not text')
}

/** An INTEGER as a JS number when safe, else its decimal text. */
export function integerOf(value: SqliteValue | undefined): number | string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'bigint') {
    const number = Number(value)
    return Number.isSafeInteger(number) ? number : value.toString()
  }
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : toDecimal(value)
  return typeof value === 'string' ? value : null
}

/**
 * A SQLite value for `extra`, losslessly: REAL as exact decimal text (`Infinity` as text), INTEGER as
 * a number (or a bigint past 2^53, written with all its digits), text as it is, a blob as
 * `{ base64 }`.
 */
export function plain(value: SqliteValue | undefined): unknown {
  if (value === undefined || value === null) return null
  if (typeof value === 'number')
    return realText(value) ?? (Number.isFinite(value) ? toDecimal(value) : String(value))
  if (typeof value === 'bigint') {
    const number = Number(value)
    return Number.isSafeInteger(number) ? number : value
  }
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') }
  return value
}

/**
 * Every column of `row` not in `consumed`, not one of the `skip` names (a raw value equal to its
 * canonical one) and not an internal `__` alias, as {@link plain} values.
 */
export function extraOf(
  row: SqliteRow,
  consumed: ReadonlySet<string>,
  ...skip: ReadonlyArray<string | undefined>
): Record<string, unknown> {
  const extra: Record<string, unknown> = {}
  for (const column in row) {
    if (consumed.has(column) || column.startsWith('__') || skip.includes(column)) continue
    extra[column] = plain(row[column])
  }
  return extra
}

/** Builds a row's `extra` as {@link extraOf} does, leaving out the `skip` names too. */
export type ExtraBuilder = (
  row: SqliteRow,
  ...skip: ReadonlyArray<string | undefined>
) => Record<string, unknown>

/**
 * {@link extraOf} for rows of one query (these columns), built faster and five times smaller: an
 * object filled key by key falls into dictionary mode past about 16 keys (`trades` leaves 30+ for
 * `extra`), while a copy of a template parsed from JSON keeps fast in-object properties. One template
 * per set of skipped names, with the same keys in the same order as `extraOf`'s.
 */
export function extraBuilder(columns: ReadonlyArray<string>, consumed: ReadonlySet<string>): ExtraBuilder {
  const kept = [...new Set(columns)].filter((column) => !consumed.has(column) && !column.startsWith('__'))
  const templates = new Map<number, { readonly template: object; readonly keys: ReadonlyArray<string> }>()
  return (row, ...skip) => {
    let mask = 0 // the skipped keys' bits (exact up to bit 52; a wider row takes the slow path)
    for (const name of skip) {
      const index = name === undefined ? -1 : kept.indexOf(name)
      if (index > 52) return extraOf(row, consumed, ...skip)
      if (index >= 0 && Math.floor(mask / 2 ** index) % 2 === 0) mask += 2 ** index
    }
    let shape = templates.get(mask)
    if (!shape) {
      const keys = kept.filter((_, index) => Math.floor(mask / 2 ** index) % 2 === 0)
      const template = JSON.parse(JSON.stringify(Object.fromEntries(keys.map((key) => [key, null]))))
      shape = { template, keys }
      templates.set(mask, shape)
    }
    const extra: Record<string, unknown> = { ...shape.template }
    for (const key of shape.keys) extra[key] = plain(row[key])
    return extra
  }
}

/**
 * A Freqtrade pair in CCXT's unified form. Pairs of Freqtrade before 2018 were `QUOTE_BASE`
 * (Bittrex/Poloniex market names such as `BTC_ETC`: ETC priced in BTC), which Freqtrade's own
 * migration turned into `ETC/BTC`; so does this. Everything else is kept (`BTC/USDT`,
 * `1000FLOKI/USDT:USDT`).
 */
export function normalizePair(raw: string): string {
  const pair = raw.trim()
  const legacy = /^([A-Za-z0-9]+)_([A-Za-z0-9]+)$/.exec(pair)
  return legacy ? `${legacy[2]}/${legacy[1]}` : pair
}

/** The base currency of a pair (`ETH` of `ETH/USDT`, `1000FLOKI` of `1000FLOKI/USDT:USDT`). */
export function baseCurrency(pair: string): string | null {
  const slash = pair.indexOf('/')
  return slash > 0 ? pair.slice(0, slash) : null
}

const UNITS: ReadonlyArray<readonly [number, string]> = [
  [43_200, 'M'],
  [10_080, 'w'],
  [1_440, 'd'],
  [60, 'h'],
]

/**
 * A Freqtrade timeframe as text: `timeframe` holds INTEGER minutes (`5` → `5m`, `60` → `1h`, `1440`
 * → `1d`), but rows migrated from `ticker_interval` keep the legacy text (`'5m'`), which is kept.
 */
export function timeframeOf(value: SqliteValue | undefined): string | null {
  if (value === null || value === undefined) return null
  const minutes =
    typeof value === 'bigint'
      ? Number(value)
      : typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\d+$/.test(value.trim())
          ? Number(value.trim())
          : undefined
  if (minutes === undefined) return typeof value === 'string' ? value.trim() : null
  if (!Number.isSafeInteger(minutes) || minutes <= 0) return String(minutes)
  for (const [size, unit] of UNITS) if (minutes % size === 0) return `${minutes / size}${unit}`
  return `${minutes}m`
}

/** Exit reasons Freqtrade's 2022.4 migration renamed; older databases still hold the old names. */
const OLD_EXIT_REASONS: Readonly<Record<string, string>> = {
  sell_signal: 'exit_signal',
  custom_sell: 'custom_exit',
  force_sell: 'force_exit',
  emergency_sell: 'emergency_exit',
}

/** An exit reason with the pre-2022.4 names renamed as Freqtrade's migration does. */
export function exitReasonOf(raw: string | null): string | null {
  if (raw === null) return null
  return OLD_EXIT_REASONS[raw] ?? raw
}
