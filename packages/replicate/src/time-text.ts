import { daysFromCivil, daysInMonth } from '@ledgerport/core'
/** A date and time read from text, exactly (microseconds), with its UTC offset if it had one. */
export interface ParsedTime {
  /** Days since 2000-01-01 (PostgreSQL's epoch) of the local date. */
  readonly days: number
  /** Seconds since local midnight. */
  readonly seconds: number
  /** Microseconds within the second. */
  readonly micros: number
  /** Minutes east of UTC; undefined for a naive time. */
  readonly offsetMinutes?: number
  /** False for a bare date (`2024-01-05`). */
  readonly hasTime: boolean
}

const TIME_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i

/**
 * Reads `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.ffffff]]` (space or `T`), optionally followed by `Z` or
 * `±HH[:MM]`: the forms SQLite's date functions, SQLAlchemy and ISO-8601 writers produce. Returns the
 * reason as a string when the text is not such a time or names an impossible one (month 13, 31 April,
 * hour 24, second 60), or has more than six fraction digits (PostgreSQL would round them away).
 */
export function parseTimeText(text: string): ParsedTime | string {
  const match = TIME_TEXT.exec(text.trim())
  if (!match) return 'is not a date and time (YYYY-MM-DD HH:MM:SS[.ffffff])'
  const [, y, mo, d, h, mi, s, fraction, zone] = match
  if (fraction !== undefined && fraction.length > 6)
    return 'has more than 6 fraction digits (PostgreSQL keeps microseconds)'
  let offsetMinutes: number | undefined
  if (zone !== undefined) {
    if (zone.toUpperCase() === 'Z') offsetMinutes = 0
    else {
      const digits = zone.slice(1).replace(':', '')
      const hours = Number(digits.slice(0, 2))
      const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0
      if (hours > 15 || minutes > 59) return 'has an impossible UTC offset'
      offsetMinutes = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes)
    }
  }
  return build(
    Number(y),
    Number(mo),
    Number(d),
    h === undefined ? 0 : Number(h),
    mi === undefined ? 0 : Number(mi),
    s === undefined ? 0 : Number(s),
    fraction === undefined ? 0 : Number(fraction.padEnd(6, '0')),
    h !== undefined,
    offsetMinutes,
  )
}

/**
 * Microseconds since 2000-01-01 of naive `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD HH:MM:SS.ffffff` text
 * (what Freqtrade stores), read without a regex or an allocation; undefined for any other form or an
 * impossible time (the caller then uses {@link parseTimeText}, which says why).
 */
export function commonTimestampMicros(text: string): number | undefined {
  const length = text.length
  if (length !== 19 && length !== 26) return undefined
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    (length === 26 && text.charCodeAt(19) !== 46)
  )
    return undefined
  let bad = 0
  let value = 0
  let year = 0
  for (let index = 0; index < 4; index++) {
    const digit = text.charCodeAt(index) - 48
    bad |= (digit >>> 31) | ((9 - digit) >>> 31)
    year = year * 10 + digit
  }
  const month = pair(text, 5)
  const day = pair(text, 8)
  const hour = pair(text, 11)
  const minute = pair(text, 14)
  const second = pair(text, 17)
  if (length === 26) {
    for (let index = 20; index < 26; index++) {
      const digit = text.charCodeAt(index) - 48
      bad |= (digit >>> 31) | ((9 - digit) >>> 31)
      value = value * 10 + digit
    }
  }
  if (
    bad !== 0 ||
    month < 0 ||
    day < 0 ||
    hour < 0 ||
    minute < 0 ||
    second < 0 ||
    year < 1 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return undefined
  const seconds = (daysFromCivil(year, month, day) - 10_957) * 86_400 + hour * 3600 + minute * 60 + second
  if (Math.abs(seconds) >= 9_000_000_000) return undefined
  return seconds * 1_000_000 + value
}

/** Two decimal digits at `index`, or -1. */
function pair(text: string, index: number): number {
  const high = text.charCodeAt(index) - 48
  const low = text.charCodeAt(index + 1) - 48
  if (high < 0 || high > 9 || low < 0 || low > 9) return -1
  return high * 10 + low
}

function build(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  micros: number,
  hasTime: boolean,
  offsetMinutes: number | undefined,
): ParsedTime | string {
  if (year < 1) return 'has year 0 (PostgreSQL has no year 0)'
  if (month < 1 || month > 12) return `has month ${month}`
  if (day < 1 || day > daysInMonth(year, month)) return `has day ${day} in month ${month}`
  if (hour > 23 || minute > 59 || second > 59) return 'has an impossible time of day'
  return {
    days: daysFromCivil(year, month, day) - 10_957,
    seconds: hour * 3600 + minute * 60 + second,
    micros,
    hasTime,
    ...(offsetMinutes !== undefined ? { offsetMinutes } : {}),
  }
}

/** Microseconds since 2000-01-01 00:00 (UTC when the time had an offset): PostgreSQL's timestamp value. */
export function timestampMicros(time: ParsedTime): bigint | number {
  const seconds = time.days * 86_400 + time.seconds - (time.offsetMinutes ?? 0) * 60
  // Up to about ±285 years from 2000 a double holds the microseconds exactly.
  if (Math.abs(seconds) < 9_000_000_000) return seconds * 1_000_000 + time.micros
  return BigInt(seconds) * 1_000_000n + BigInt(time.micros)
}
