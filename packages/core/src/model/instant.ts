import { civilFromDays, daysFromCivil, daysInMonth } from './calendar.js'
import { DecimalError, toDecimal } from './decimal.js'
import { describeValue } from './describe-value.js'

/** A value that is not a time, an impossible date, or an unknown time zone; the message says which. */
export class InstantError extends Error {
  override readonly name = 'InstantError'
}

/** The result of {@link toInstant}. */
export interface ParsedInstant {
  /** ISO-8601 UTC: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, with up to 6 fraction digits. */
  readonly instant: string
  /** Whether the source had no zone or offset, so it was read in the given time zone. */
  readonly naive: boolean
}

/** `YYYY-MM-DD`, optionally `[T ]HH:MM[:SS[.fraction]]`, optionally `Z`/`UTC`/`GMT`/`±HH[[:]MM]`. */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?)?$/
/** A UTC instant as {@link toInstant} writes it, but for trailing zeros in the fraction. */
const UTC_TEXT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?Z$/
/** A number written as text: epoch seconds, milliseconds or microseconds. */
const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

const SECONDS_PER_DAY = 86_400
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in epoch seconds: the years an instant may have. */
const MIN_EPOCH_SECONDS = -62_135_596_800
const MAX_EPOCH_SECONDS = 253_402_300_799

/**
 * Reads a time as a UTC instant, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
 *
 * Accepts
 * - a `Date` (fraction: its milliseconds, 3 digits, left out when zero);
 * - ISO-8601 text with `Z` or an offset (`+05:30`, `+0530`, `+05`; also `UTC`/`GMT`): `naive: false`;
 * - naive text, `YYYY-MM-DD HH:MM[:SS[.ffffff]]` (or with `T`), or a date alone `YYYY-MM-DD`
 *   (midnight): read as a wall-clock time in `timeZone`, `naive: true`. DST is handled like
 *   Temporal's `compatible`: a time that happens twice (clocks going back) is the earlier instant, a
 *   time that never happens (clocks going forward) moves forward by the gap (`02:30` → `03:30`);
 * - an epoch number, bigint, or numeric text, by magnitude of the absolute value:
 *   below 1e11 seconds (up to year 5138), below 1e14 milliseconds (from 1973-03-03), below 1e17
 *   microseconds (from 1973-03-03); larger values are refused. Fractions are kept exactly (no float
 *   arithmetic for text and bigints); milliseconds give 3 fraction digits and microseconds 6, left out
 *   when the sub-second part is zero; fractional seconds keep their digits.
 *
 * The fraction of text is kept as written, digit for digit, up to microseconds (`12:00:00.123456`
 * stays `.123456`, `12:00:00.10` stays `.10`; digits beyond the sixth are dropped); no fraction in,
 * no fraction out. Years must be 0001–9999.
 *
 * @param timeZone IANA time zone for naive times (default `UTC`). Checked on every call, so an unknown
 *   zone fails even when the value has its own offset.
 * @throws {InstantError} for text that is not a time, impossible dates (`2024-02-30`), out-of-range
 *   values, or an unknown time zone (the message names it).
 */
export function toInstant(value: unknown, timeZone = 'UTC'): ParsedInstant {
  const zone = zoneOf(timeZone)
  if (value instanceof Date) return fromDate(value)
  switch (typeof value) {
    case 'string':
      return fromText(value, zone)
    case 'number':
      if (!Number.isFinite(value)) throw new InstantError(`${String(value)} is not a time (not finite)`)
      return fromEpochText(toDecimal(value), value)
    case 'bigint':
      return fromEpochText(value.toString(), value)
    default:
      throw new InstantError(`${describeValue(value)} is not a time`)
  }
}

function fromDate(date: Date): ParsedInstant {
  const ms = date.getTime()
  if (Number.isNaN(ms)) throw new InstantError('Date(Invalid Date) is not a time')
  const seconds = Math.floor(ms / 1000)
  const milliseconds = ms - seconds * 1000
  return {
    instant: format(seconds, milliseconds === 0 ? '' : String(milliseconds).padStart(3, '0'), date),
    naive: false,
  }
}

function fromText(text: string, zone: Zone): ParsedInstant {
  const utc = UTC_TEXT.exec(text)
  if (utc) {
    // Already `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (what most sources hand over): checked, not recomputed.
    const [, y, mo, d, h, mi, s, fraction] = utc
    checkFields(text, Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s))
    if (fraction === undefined) return { instant: text, naive: false }
    const kept = fraction.replace(/\.?0+$/, '')
    return { instant: kept.length === fraction.length ? text : `${text.slice(0, 19)}${kept}Z`, naive: false }
  }
  const trimmed = text.trim()
  const match = DATE_TIME.exec(trimmed)
  if (!match) {
    if (NUMBER_TEXT.test(trimmed)) return fromEpochText(toDecimalOrThrow(trimmed, text), text)
    throw new InstantError(
      `${describeValue(text)} is not a time (expected ISO-8601 like 2024-01-31T12:00:00Z, YYYY-MM-DD HH:MM:SS, or an epoch number)`,
    )
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', fractionDigits = '', offsetText] = match
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h)
  const minute = Number(mi)
  const second = Number(s)
  checkFields(text, year, month, day, hour, minute, second)
  const fraction = fractionDigits.slice(0, 6)
  const wall = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second
  if (offsetText !== undefined) {
    const offset = parseOffset(offsetText, text)
    return { instant: format(wall - offset, fraction, text), naive: false }
  }
  return { instant: format(zone.resolve(wall), fraction, text), naive: true }
}

/** Throws unless the fields make a real date (years 0001–9999) and time of day. */
function checkFields(
  text: string,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): void {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new InstantError(`${describeValue(text)} is not a valid date`)
  }
  if (hour > 23 || minute > 59 || second > 59) {
    throw new InstantError(`${describeValue(text)} is not a valid time of day`)
  }
}

function parseOffset(offsetText: string, original: string): number {
  const upper = offsetText.toUpperCase()
  if (upper === 'Z' || upper === 'UTC' || upper === 'GMT') return 0
  const sign = offsetText.startsWith('-') ? -1 : 1
  const digits = offsetText.slice(1).replace(':', '')
  const hours = Number(digits.slice(0, 2))
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0
  if (hours > 23 || minutes > 59) {
    throw new InstantError(`${describeValue(original)} has an impossible UTC offset ${offsetText}`)
  }
  return sign * (hours * 3600 + minutes * 60)
}

function toDecimalOrThrow(text: string, original: unknown): string {
  try {
    return toDecimal(text)
  } catch (error) {
    if (error instanceof DecimalError) throw new InstantError(`${describeValue(original)} is not a time`)
    throw error
  }
}

/** An epoch number in plain decimal text (from {@link toDecimal}) → instant, unit chosen by magnitude. */
function fromEpochText(decimal: string, original: unknown): ParsedInstant {
  const negative = decimal.startsWith('-')
  const unsigned = negative ? decimal.slice(1) : decimal
  const point = unsigned.indexOf('.')
  const integer = point === -1 ? unsigned : unsigned.slice(0, point)
  const fraction = point === -1 ? '' : unsigned.slice(point + 1)
  // |n| < 1e11 ⇔ at most 11 integer digits (toDecimal strips leading zeros).
  const unitDigits = integer.length <= 11 ? 0 : integer.length <= 14 ? 3 : integer.length <= 17 ? 6 : -1
  if (unitDigits < 0) {
    throw new InstantError(
      `${describeValue(original)} is out of range for an epoch time in seconds, milliseconds or microseconds`,
    )
  }
  const scale = 6 - unitDigits
  const kept = fraction.slice(0, scale).padEnd(scale, '0')
  let micros = BigInt(integer + kept)
  if (negative) {
    micros = -micros
    if (/[1-9]/.test(fraction.slice(scale))) micros -= 1n // floor what is dropped beyond microseconds
  }
  let seconds = micros / 1_000_000n
  let sub = micros - seconds * 1_000_000n
  if (sub < 0n) {
    seconds -= 1n
    sub += 1_000_000n
  }
  const digits = Math.min(6, unitDigits + fraction.length)
  const fractionText = fraction === '' && sub === 0n ? '' : String(sub).padStart(6, '0').slice(0, digits)
  if (seconds < BigInt(MIN_EPOCH_SECONDS) || seconds > BigInt(MAX_EPOCH_SECONDS)) {
    throw new InstantError(`${describeValue(original)} is out of range (years 0001–9999)`)
  }
  return { instant: format(Number(seconds), fractionText, original), naive: false }
}

/** Formats epoch seconds plus fraction digits as `YYYY-MM-DDTHH:MM:SS[.fraction]Z`. */
function format(epochSeconds: number, fraction: string, original: unknown): string {
  if (epochSeconds < MIN_EPOCH_SECONDS || epochSeconds > MAX_EPOCH_SECONDS) {
    throw new InstantError(`${describeValue(original)} is out of range (years 0001–9999)`)
  }
  const days = Math.floor(epochSeconds / SECONDS_PER_DAY)
  const secondOfDay = epochSeconds - days * SECONDS_PER_DAY
  const [year, month, day] = civilFromDays(days)
  const hour = Math.floor(secondOfDay / 3600)
  const minute = Math.floor((secondOfDay % 3600) / 60)
  const second = secondOfDay % 60
  // Trailing zeros carry no information and engines drop them (PostgreSQL prints `.01`, not `.010`);
  // dropping them here gives one text, and one row hash, per instant whatever the source.
  fraction = fraction.replace(/0+$/, '')
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${
    fraction === '' ? '' : `.${fraction}`
  }Z`
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0')
}

/** A time zone that turns wall-clock seconds (as if UTC) into epoch seconds. */
interface Zone {
  resolve(wallSeconds: number): number
}

const UTC_ZONE: Zone = { resolve: (wall) => wall }
const zones = new Map<string, Zone>([
  ['UTC', UTC_ZONE],
  ['Etc/UTC', UTC_ZONE],
])

function zoneOf(timeZone: string): Zone {
  const known = zones.get(timeZone)
  if (known) return known
  let formatter: Intl.DateTimeFormat
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
  } catch {
    throw new InstantError(
      `unknown time zone ${describeValue(timeZone)}: use an IANA name such as UTC, Asia/Kolkata or America/New_York`,
    )
  }
  const zone = new IntlZone(formatter)
  zones.set(timeZone, zone)
  return zone
}

/** Offsets are looked up per hour of UTC and cached when both ends of the hour agree (no zone changes offset twice within an hour). */
const BUCKET_SECONDS = 3600
const MAX_CACHED_BUCKETS = 100_000

class IntlZone implements Zone {
  readonly #formatter: Intl.DateTimeFormat
  readonly #offsets = new Map<number, number>()

  constructor(formatter: Intl.DateTimeFormat) {
    this.#formatter = formatter
  }

  /**
   * Temporal's `compatible` disambiguation: try the offsets in force a day before and a day after;
   * both fit (clocks went back) → the earlier instant; neither fits (clocks went forward) → the
   * offset from before, which lands after the gap.
   */
  resolve(wall: number): number {
    const before = this.offsetAt(wall - SECONDS_PER_DAY)
    const after = this.offsetAt(wall + SECONDS_PER_DAY)
    const viaBefore = wall - before
    if (before === after) {
      if (this.offsetAt(viaBefore) === before) return viaBefore
    } else {
      const fitsBefore = this.offsetAt(viaBefore) === before
      const viaAfter = wall - after
      const fitsAfter = this.offsetAt(viaAfter) === after
      if (fitsBefore && fitsAfter) return Math.min(viaBefore, viaAfter)
      if (fitsBefore) return viaBefore
      if (fitsAfter) return viaAfter
      return viaBefore
    }
    // Several transitions within two days (never seen in practice): search the offsets nearby.
    for (const probe of [0, -3600, 3600, -7200, 7200]) {
      const offset = this.offsetAt(wall + probe)
      if (this.offsetAt(wall - offset) === offset) return wall - offset
    }
    return viaBefore
  }

  /** UTC offset in seconds at an instant. */
  offsetAt(epochSeconds: number): number {
    const bucket = Math.floor(epochSeconds / BUCKET_SECONDS)
    const cached = this.#offsets.get(bucket)
    if (cached !== undefined) return cached
    const start = bucket * BUCKET_SECONDS
    const offset = this.#compute(epochSeconds)
    const atStart = start === epochSeconds ? offset : this.#compute(start)
    const atEnd = this.#compute(start + BUCKET_SECONDS - 1)
    if (atStart === atEnd) {
      if (this.#offsets.size >= MAX_CACHED_BUCKETS) this.#offsets.clear()
      this.#offsets.set(bucket, atStart)
    }
    return offset
  }

  #compute(epochSeconds: number): number {
    let year = 0
    let month = 0
    let day = 0
    let hour = 0
    let minute = 0
    let second = 0
    let bc = false
    for (const part of this.#formatter.formatToParts(epochSeconds * 1000)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value)
          break
        case 'month':
          month = Number(part.value)
          break
        case 'day':
          day = Number(part.value)
          break
        case 'hour':
          hour = Number(part.value)
          break
        case 'minute':
          minute = Number(part.value)
          break
        case 'second':
          second = Number(part.value)
          break
        case 'era':
          bc = part.value.startsWith('B')
          break
      }
    }
    if (bc) year = 1 - year
    const local = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second
    return local - epochSeconds
  }
}
