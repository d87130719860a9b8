import {
  compareDecimals,
  DecimalError,
  describeValue,
  type EntityName,
  InstantError,
  isPositiveDecimal,
  parseMoney,
  type Reject,
  toDecimal,
  toInstant,
} from '@ledgerport/core'
import { type JsonInput, JsonNumber, type JsonObject } from './json-stream.js'

/** Series and exchange suffixes the broker bot puts on NSE symbols, stripped to get the symbol. */
const SYMBOL_SUFFIX = /(?:\.NS|-EQ|-BE|-BL|-BZ)$/i

/**
 * The symbol without the suffixes the bot adds: `.NS` (Yahoo's NSE ticker), `-EQ`, `-BE`, `-BL`, `-BZ`
 * (NSE series), in any order and case: `RELIANCE.NS` → `RELIANCE`, `IRFC-BE` → `IRFC`. Trimmed;
 * letters are kept as written.
 */
export function cleanSymbol(raw: string): string {
  let symbol = raw.trim()
  for (;;) {
    const next = symbol.replace(SYMBOL_SUFFIX, '').trim()
    if (next === symbol) return symbol
    symbol = next
  }
}

/**
 * The broker's order id from an `order_response` the bot stored, whatever its shape: `{nOrdNo}`,
 * `{neoOrdNo}`, `{orderId}`, `{order_id}`, `{OrdId}`, `{ordId}`, each also under `data`, or the id itself
 * as a string or number. The same field order as the bot's `extract_order_id`. `undefined` when none.
 */
export function brokerOrderId(response: JsonInput | undefined): string | undefined {
  if (response === null || response === undefined) return undefined
  if (typeof response === 'string') return response.trim() === '' ? undefined : response.trim()
  if (response instanceof JsonNumber) return response.text
  if (typeof response !== 'object' || Array.isArray(response)) return undefined
  const data = response.data
  for (const holder of [
    data && typeof data === 'object' && !Array.isArray(data) && !(data instanceof JsonNumber)
      ? data
      : undefined,
    response,
  ]) {
    if (!holder) continue
    for (const field of ORDER_ID_FIELDS) {
      const value = holder[field]
      if (typeof value === 'string' && value.trim() !== '') return value.trim()
      if (value instanceof JsonNumber) return value.text
    }
  }
  return undefined
}

const ORDER_ID_FIELDS = ['nOrdNo', 'neoOrdNo', 'orderId', 'order_id', 'OrdId', 'ordId'] as const

/** A problem with one field of a source record. */
export interface FieldIssue {
  readonly field: string
  readonly reason: string
}

/** Options of {@link FieldReader.decimal}. */
export interface DecimalField {
  /** Missing or null is an issue. */
  readonly required?: boolean
  /** Must be > 0. */
  readonly positive?: boolean
  /** Money text like `"₹3,900.00"` is read with `parseMoney`. */
  readonly money?: boolean
  /** `0` means "none" (the bot writes price 0.0 for market orders). */
  readonly zeroIsNone?: boolean
  /** What the value is, for messages: `a quantity`, `a price`. */
  readonly what?: string
}

/**
 * Reads the fields of one source record (a JSON object) for mapping, collecting every problem with
 * the field and a reason that says what to do, so a bad record becomes one reject naming its fields.
 * Remembers which fields were read, so {@link extra} returns the others.
 */
export class FieldReader {
  readonly issues: FieldIssue[] = []
  readonly #object: JsonObject
  readonly #timezone: string
  readonly #used = new Set<string>()
  readonly #rawMoney: Record<string, JsonInput> = {}

  constructor(object: JsonObject, timezone: string) {
    this.#object = object
    this.#timezone = timezone
  }

  /** The raw value of a field (marks it used). */
  raw(field: string): JsonInput | undefined {
    this.#used.add(field)
    return this.#object[field]
  }

  /**
   * The first of `fields` that is present and not null (marks it used; the others stay for
   * {@link extra}, e.g. `ticker` when `symbol` is there).
   */
  first(...fields: string[]): { field: string; value: JsonInput } | undefined {
    for (const field of fields) {
      const value = this.#object[field]
      if (value !== undefined && value !== null) {
        this.#used.add(field)
        return { field, value }
      }
    }
    // None: the first name stands for them (its null, if any, is read as "missing").
    this.#used.add(fields[0]!)
    return undefined
  }

  /** Adds an issue. */
  issue(field: string, reason: string): void {
    this.issues.push({ field, reason })
  }

  /** Text: a string (trimmed; empty is missing) or a number's text. */
  text(field: string, required = false, what = 'text'): string | undefined {
    const value = this.raw(field)
    return this.textOf(field, value, required, what)
  }

  /** {@link text} of a value already taken (e.g. by {@link first}). */
  textOf(field: string, value: JsonInput | undefined, required = false, what = 'text'): string | undefined {
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
      if (required) this.issue(field, `is missing; every record needs ${what}`)
      return undefined
    }
    if (typeof value === 'string') return value.trim()
    if (value instanceof JsonNumber) return value.text
    this.issue(field, `${describe(value)} is not ${what} (${kind(value)}); write it as a string`)
    return undefined
  }

  /** The cleaned symbol and the raw one, from the first present of `fields`. */
  symbol(...fields: string[]): { symbol: string; raw: string } | undefined {
    const found = this.first(...fields)
    const field = found?.field ?? fields[0]!
    if (!found) {
      this.issue(field, 'is missing; every record needs its symbol (e.g. "RELIANCE" or "RELIANCE-EQ")')
      return undefined
    }
    if (typeof found.value !== 'string') {
      this.issue(
        field,
        `${describe(found.value)} is not a symbol (${kind(found.value)}); write it as a string`,
      )
      return undefined
    }
    const symbol = cleanSymbol(found.value)
    if (symbol === '') {
      this.issue(field, `${describe(found.value)} is not a symbol (empty once .NS/-EQ are removed)`)
      return undefined
    }
    return { symbol, raw: found.value }
  }

  /** An exact decimal string, from the first present of `fields`. */
  decimal(fields: string | ReadonlyArray<string>, options: DecimalField = {}): string | undefined {
    const names = typeof fields === 'string' ? [fields] : fields
    const found = this.first(...names)
    return this.decimalOf(found?.field ?? names[0]!, found?.value, options)
  }

  /** {@link decimal} of a value already taken. */
  decimalOf(field: string, value: JsonInput | undefined, options: DecimalField = {}): string | undefined {
    const what = options.what ?? 'a number'
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
      if (options.required) this.issue(field, `is missing; every record needs ${what}`)
      return undefined
    }
    let decimal: string
    if (value instanceof JsonNumber) decimal = value.text
    else if (typeof value === 'string') {
      try {
        decimal = options.money ? parseMoney(value) : toDecimal(value)
      } catch (error) {
        if (!(error instanceof DecimalError)) throw error
        this.issue(
          field,
          `${error.message}; expected ${what} like 2451.35${options.money ? ' or "₹2,451.35"' : ''}`,
        )
        return undefined
      }
      if (decimal !== value.trim()) this.#rawMoney[field] = value
    } else {
      this.issue(field, `${describe(value)} is not ${what} (${kind(value)}); write it as a number`)
      return undefined
    }
    try {
      decimal = toDecimal(decimal)
    } catch (error) {
      if (!(error instanceof DecimalError)) throw error
      this.issue(field, `${error.message}; expected ${what}`)
      return undefined
    }
    if (options.zeroIsNone && compareDecimals(decimal, '0') === 0) {
      this.#rawMoney[field] = value
      return undefined
    }
    if (options.positive && !isPositiveDecimal(decimal)) {
      this.issue(field, `${decimal} is not ${what} above 0; fix it or remove the record`)
      return undefined
    }
    return decimal
  }

  /** A time as written (the engine reads it in `--timezone`), checked to be readable. */
  time(fields: string | ReadonlyArray<string>, required = false, what = 'a time'): string | undefined {
    const names = typeof fields === 'string' ? [fields] : fields
    const found = this.first(...names)
    return this.timeOf(found?.field ?? names[0]!, found?.value, required, what)
  }

  /** {@link time} of a value already taken. */
  timeOf(field: string, value: JsonInput | undefined, required = false, what = 'a time'): string | undefined {
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
      if (required) this.issue(field, `is missing; every record needs ${what}`)
      return undefined
    }
    const text =
      typeof value === 'string' ? value.trim() : value instanceof JsonNumber ? value.text : undefined
    if (text === undefined) {
      this.issue(field, `${describe(value)} is not ${what} (${kind(value)}); write an ISO-8601 time`)
      return undefined
    }
    try {
      toInstant(text, this.#timezone)
    } catch (error) {
      if (!(error instanceof InstantError)) throw error
      this.issue(field, `${error.message}; fix the time or remove the record`)
      return undefined
    }
    return text
  }

  /**
   * Every field not read, plus the original text of money fields read from strings (`"₹3,900.00"`),
   * so the source record can be rebuilt.
   */
  extra(more: Record<string, unknown> = {}): Record<string, unknown> {
    const extra: Record<string, unknown> = {}
    for (const [field, value] of Object.entries(this.#object)) {
      if (!this.#used.has(field)) extra[field] = value
    }
    Object.assign(extra, this.#rawMoney, more)
    return extra
  }

  /** One reject for the record when it has issues: located at the first bad field, naming all of them. */
  reject(file: string, path: string, entity: EntityName, raw: unknown): Reject | undefined {
    const first = this.issues[0]
    if (!first) return undefined
    return {
      entity,
      location: { file, path: joinPath(path, first.field) },
      field: first.field,
      reason: this.issues.map((issue) => `${joinPath(path, issue.field)}: ${issue.reason}`).join('; '),
      raw,
    }
  }
}

/** `trades[17]` + `qty` → `trades[17].qty`; `reentries[0].qty` → `trades[17].reentries[0].qty`. */
export function joinPath(path: string, field: string): string {
  if (field.startsWith('[')) return `${path}${field}`
  if (path === '') return field
  return /^[A-Za-z_$][\w$]*(?:[.[]|$)/.test(field) ? `${path}.${field}` : `${path}[${JSON.stringify(field)}]`
}

/** A record that is not a JSON object: one reject saying so. */
export function notAnObject(
  file: string,
  path: string,
  entity: EntityName,
  value: JsonInput,
  what: string,
): Reject {
  return {
    entity,
    location: { file, path },
    reason: `${path}: ${describe(value)} is not ${what} (${kind(value)}); each item must be a JSON object`,
    raw: value,
  }
}

/** Whether a JSON value is a plain object. */
export function isObject(value: JsonInput | undefined): value is JsonObject {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber)
  )
}

function describe(value: JsonInput): string {
  return value instanceof JsonNumber ? value.text : describeValue(value)
}

function kind(value: JsonInput): string {
  if (value === null) return 'null'
  if (value instanceof JsonNumber) return 'a number'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}
