import { describeValue } from './describe-value.js'

/** A value that is not an exact decimal number (or money amount); the message says which and why. */
export class DecimalError extends Error {
  override readonly name = 'DecimalError'
}

/** PostgreSQL NUMERIC's limits: digits before and after the decimal point. */
const MAX_INTEGER_DIGITS = 131_072
const MAX_FRACTION_DIGITS = 16_383

/** Optional sign, digits with an optional fraction (at least one digit), optional exponent. */
const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/** A decimal split in parts: `negative`, integer digits without leading zeros (at least `0`), fraction digits. */
interface DecimalParts {
  readonly negative: boolean
  readonly integer: string
  readonly fraction: string
}

/**
 * Exact decimal text in, normalised decimal text out. Never goes through a JS number for strings, so
 * any number of significant digits survives (up to PostgreSQL NUMERIC's 131072 digits before the point
 * and 16383 after).
 *
 * Accepts
 * - strings (trimmed): an optional sign, digits with an optional fraction, an optional exponent
 *   (`1e-7` → `0.0000001`, `2.5E+3` → `2500`, `1.50e1` → `15.0`: the scale shifts with the exponent,
 *   as PostgreSQL does);
 * - finite JS numbers, as their shortest round-trip text (`String(n)`), exponent expanded:
 *   `0.1 + 0.2` → `0.30000000000000004`, `1e21` → `1000000000000000000000`;
 * - bigints.
 *
 * Normalisation: a leading `+` and leading integer zeros are dropped (`+007.50` → `7.50`), `.5` →
 * `0.5`, `5.` → `5`, negative zero loses its sign (`-0.00` → `0.00`). The scale (trailing fraction
 * zeros) is kept: `3900.00` stays `3900.00`, like PostgreSQL NUMERIC.
 *
 * @throws {DecimalError} for NaN, ±Infinity, empty text, booleans, objects and anything else that is
 *   not a decimal number, e.g. `"12abc" is not a decimal number`.
 */
export function toDecimal(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return formatParts(parseDecimalText(value, value))
    case 'number':
      if (!Number.isFinite(value))
        throw new DecimalError(`${String(value)} is not a decimal number (not finite)`)
      if (Number.isSafeInteger(value)) return value === 0 ? '0' : String(value)
      return formatParts(parseDecimalText(String(value), value))
    case 'bigint':
      return value.toString()
    case 'boolean':
      throw new DecimalError(`${String(value)} is not a decimal number (a boolean)`)
    case 'undefined':
      throw new DecimalError('undefined is not a decimal number (missing)')
    default:
      throw new DecimalError(
        `${describeValue(value)} is not a decimal number (${value === null ? 'null' : valueKind(value)})`,
      )
  }
}

/** Currency symbols and codes `parseMoney` strips (codes in any case), longest first. */
const CURRENCIES = [
  'US$',
  'Rs.',
  'USDT',
  'USDC',
  'Rs',
  'INR',
  'USD',
  'EUR',
  'GBP',
  'JPY',
  'AUD',
  'CAD',
  'CHF',
  'SGD',
  'HKD',
  'AED',
  'CNY',
  '₹',
  '$',
  '€',
  '£',
  '¥',
].map((currency) => currency.toUpperCase())
/** Thousands separators: comma, underscore, space, no-break and thin spaces. */
const SEP = '[,_ \\u00A0\\u2009\\u202F]'
const GROUPED_THOUSANDS = new RegExp(`^\\d{1,3}(${SEP})\\d{3}(?:\\1\\d{3})*$`)
const GROUPED_INDIAN = new RegExp(`^\\d{1,2}(${SEP})(?:\\d{2}\\1)*\\d{3}$`)
const HAS_SEPARATOR = new RegExp(SEP)
const LETTER = /[A-Za-z]/

/**
 * Like {@link toDecimal}, and also reads money text as broker bots write it: a currency symbol or code
 * before or after the amount (`₹`, `$`, `US$`, `€`, `£`, `¥`, `Rs.`, `Rs`, `INR`, `USD`, `USDT`, `USDC`,
 * `EUR`, `GBP`, `JPY`, `AUD`, `CAD`, `CHF`, `SGD`, `HKD`, `AED`, `CNY`; codes in any case), a sign before or
 * after the currency, surrounding whitespace, and thousands separators (commas, underscores, spaces)
 * in the integer part, grouped by thousands or the Indian way:
 * `"₹3,900.00"` → `"3900.00"`, `"1,23,456.7"` → `"123456.7"`, `"-$1 000"` → `"-1000"`.
 *
 * Separators in other places (`"1,5"`, `"1.234,56"`) are refused, never guessed at.
 *
 * @throws {DecimalError} when the value is not a money amount, e.g. `"₹3,9,00" is not a money amount`.
 */
export function parseMoney(value: unknown): string {
  if (typeof value !== 'string') return toDecimal(value)
  const notMoney = (why = ''): DecimalError =>
    new DecimalError(`${describeValue(value)} is not a money amount${why}`)
  // Read by hand, not with one big regex: backtracking over long runs of spaces would be quadratic.
  let rest = value.trim()
  let sign = ''
  const takeSign = (): void => {
    const first = rest[0]
    if (first !== '+' && first !== '-') return
    if (sign !== '') throw notMoney()
    sign = first
    rest = rest.slice(1).trimStart()
  }
  takeSign()
  const upper = (): string => rest.toUpperCase()
  const prefix = CURRENCIES.find(
    (currency) => upper().startsWith(currency) && !LETTER.test(rest[currency.length] ?? ''),
  )
  if (prefix) {
    rest = rest.slice(prefix.length).trimStart()
    takeSign()
  }
  const suffix = CURRENCIES.find(
    (currency) => upper().endsWith(currency) && !LETTER.test(rest[rest.length - currency.length - 1] ?? ''),
  )
  if (suffix) {
    if (prefix) throw notMoney()
    rest = rest.slice(0, rest.length - suffix.length).trimEnd()
  }
  let amount = rest
  if (HAS_SEPARATOR.test(amount)) {
    const point = amount.indexOf('.')
    const integer = point === -1 ? amount : amount.slice(0, point)
    if (!GROUPED_THOUSANDS.test(integer) && !GROUPED_INDIAN.test(integer)) {
      throw notMoney(' (separators must group thousands, as in 1,234,567.89 or 12,34,567.89)')
    }
    amount = integer.replace(/\D/g, '') + (point === -1 ? '' : amount.slice(point))
  }
  if (amount === '' || amount[0] === '+' || amount[0] === '-') throw notMoney()
  return formatParts(parseDecimalText(sign + amount, value, 'a money amount'))
}

/**
 * Compares two decimal numbers exactly, whatever their length or scale: `-1` when `a < b`, `0` when
 * equal (`"1.50"` equals `"1.5"`, `"-0"` equals `"0"`), `1` when `a > b`. Accepts any text
 * {@link toDecimal} accepts.
 *
 * @throws {DecimalError} when either is not a decimal number.
 */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const x = parseDecimalText(a, a)
  const y = parseDecimalText(b, b)
  const xZero = isZero(x)
  const yZero = isZero(y)
  if (xZero && yZero) return 0
  const xSign = xZero ? 0 : x.negative ? -1 : 1
  const ySign = yZero ? 0 : y.negative ? -1 : 1
  if (xSign !== ySign) return xSign < ySign ? -1 : 1
  const magnitude = compareMagnitudes(x, y)
  return xSign < 0 && magnitude !== 0 ? (-magnitude as -1 | 1) : magnitude
}

/**
 * Whether a decimal number is strictly greater than zero (`"0.00"` and `"-0"` are not).
 *
 * @throws {DecimalError} when it is not a decimal number.
 */
export function isPositiveDecimal(a: string): boolean {
  const parts = parseDecimalText(a, a)
  return !parts.negative && !isZero(parts)
}

function parseDecimalText(text: string, original: unknown, what = 'a decimal number'): DecimalParts {
  const trimmed = text.trim()
  if (trimmed === '') throw new DecimalError(`${describeValue(original)} is not ${what} (empty)`)
  const match = DECIMAL_TEXT.exec(trimmed)
  if (!match) throw new DecimalError(`${describeValue(original)} is not ${what}`)
  const [, sign, integerDigits = '', fractionDigits = '', exponentText] = match
  if (integerDigits === '' && fractionDigits === '') {
    throw new DecimalError(`${describeValue(original)} is not ${what}`)
  }
  let integer = integerDigits
  let fraction = fractionDigits
  if (exponentText !== undefined) {
    const exponent = Number(exponentText)
    if (Math.abs(exponent) > MAX_INTEGER_DIGITS + MAX_FRACTION_DIGITS) {
      throw new DecimalError(`${describeValue(original)} is out of range (exponent ${exponentText})`)
    }
    if (exponent !== 0) {
      let digits = integer + fraction
      let point = integer.length + exponent
      if (point < 0) {
        digits = '0'.repeat(-point) + digits
        point = 0
      } else if (point > digits.length) {
        digits += '0'.repeat(point - digits.length)
      }
      integer = digits.slice(0, point)
      fraction = digits.slice(point)
    }
  }
  integer = stripLeadingZeros(integer)
  if (integer.length > MAX_INTEGER_DIGITS || fraction.length > MAX_FRACTION_DIGITS) {
    throw new DecimalError(
      `${describeValue(original)} is out of range (at most ${MAX_INTEGER_DIGITS} digits before the point and ${MAX_FRACTION_DIGITS} after)`,
    )
  }
  const parts = { negative: sign === '-', integer, fraction }
  return parts.negative && isZero(parts) ? { ...parts, negative: false } : parts
}

function stripLeadingZeros(digits: string): string {
  if (digits.length === 1) return digits
  if (digits === '') return '0'
  let start = 0
  while (start < digits.length - 1 && digits.charCodeAt(start) === 48) start++
  return start === 0 ? digits : digits.slice(start)
}

function isZero(parts: DecimalParts): boolean {
  return parts.integer === '0' && /^0*$/.test(parts.fraction)
}

function formatParts(parts: DecimalParts): string {
  const body = parts.fraction === '' ? parts.integer : `${parts.integer}.${parts.fraction}`
  return parts.negative ? `-${body}` : body
}

function compareMagnitudes(x: DecimalParts, y: DecimalParts): -1 | 0 | 1 {
  if (x.integer.length !== y.integer.length) return x.integer.length < y.integer.length ? -1 : 1
  if (x.integer !== y.integer) return x.integer < y.integer ? -1 : 1
  const length = Math.max(x.fraction.length, y.fraction.length)
  const xf = x.fraction.padEnd(length, '0')
  const yf = y.fraction.padEnd(length, '0')
  return xf === yf ? 0 : xf < yf ? -1 : 1
}

function valueKind(value: unknown): string {
  if (typeof value === 'symbol') return 'a symbol'
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Date) return 'a Date'
  return 'an object'
}
