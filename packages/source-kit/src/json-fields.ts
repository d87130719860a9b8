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
import { type FieldOptions, FieldReader, type FieldValue, formatIssues, joinPath, MISSING } from './fields.js'
import { type JsonInput, JsonNumber, type JsonObject, TOO_DEEP } from './json-parse.js'
import type { JsonItem } from './json-stream.js'

/** Options of {@link JsonFieldReader.decimal}. */
export interface DecimalField extends FieldOptions {
  /** Must be > 0. */
  readonly positive?: boolean
  /** Money text like `"₹3,900.00"` is read with `parseMoney`. */
  readonly money?: boolean
  /** `0` means "none" (the bot writes price 0.0 for market orders). */
  readonly zeroIsNone?: boolean
}

/**
 * A {@link FieldReader} for a record of a JSON file (as `readJsonItems` or `parseJson` give it):
 * text, exact decimals (numbers as written, money text) and times, each problem an issue that
 * says what to do, and one reject for a bad record ({@link reject}). Money text read as a number
 * (`"₹3,900.00"`) keeps its original in {@link extra}, so the source record can be rebuilt.
 *
 * @example
 * const r = new JsonFieldReader(order, 'Asia/Kolkata')
 * const qty = r.decimal(['qty', 'quantity'], { required: true, positive: true, what: 'a quantity' })
 * const placedAt = r.time('placed_at')
 * const reject = r.reject('data/orders.json', 'orders[3]', 'orders', order)
 * if (reject) return { reject }
 */
export class JsonFieldReader extends FieldReader<JsonInput> {
  readonly #timezone: string
  readonly #rawMoney: Record<string, JsonInput> = {}

  /** `timezone`: the zone naive times are checked in (the engine's `--timezone`). */
  constructor(object: JsonObject, timezone: string) {
    super(object)
    this.#timezone = timezone
  }

  /** Text from the first present of `fields`: a string (trimmed; empty is missing) or a number's text. */
  text(fields: string | ReadonlyArray<string>, options: FieldOptions = {}): string | undefined {
    return this.read(fields, (value) => jsonText(value, options.what ?? 'text'), withWhat(options, 'text'))
  }

  /** {@link text} of a value already taken (e.g. by {@link first}). */
  textOf(field: string, value: JsonInput | undefined, options: FieldOptions = {}): string | undefined {
    return this.take(field, value, (v) => jsonText(v, options.what ?? 'text'), withWhat(options, 'text'))
  }

  /** An exact decimal string, from the first present of `fields`. */
  decimal(fields: string | ReadonlyArray<string>, options: DecimalField = {}): string | undefined {
    const names = typeof fields === 'string' ? [fields] : fields
    const found = this.first(names)
    return this.decimalOf(found?.field ?? names[0]!, found?.value, options, names)
  }

  /** {@link decimal} of a value already taken; `aliases` are the names a missing-field message lists. */
  decimalOf(
    field: string,
    value: JsonInput | undefined,
    options: DecimalField = {},
    aliases: ReadonlyArray<string> = [field],
  ): string | undefined {
    const what = options.what ?? 'a number'
    // A zero read as "none" is `{ value: undefined }`: it was there (not missing), and means no value.
    const convert = (value: JsonInput): FieldValue<string | undefined> => {
      if (value === null || (typeof value === 'string' && value.trim() === '')) return MISSING
      let decimal: string
      if (value instanceof JsonNumber) decimal = value.text
      else if (typeof value === 'string') {
        try {
          decimal = options.money ? parseMoney(value) : toDecimal(value)
        } catch (error) {
          if (!(error instanceof DecimalError)) throw error
          return {
            issue: `${error.message}; expected ${what} like 2451.35${options.money ? ' or "₹2,451.35"' : ''}`,
          }
        }
        if (decimal !== value.trim()) this.#rawMoney[field] = value
      } else {
        return { issue: `${describeJson(value)} is not ${what} (${jsonKind(value)}); write it as a number` }
      }
      try {
        decimal = toDecimal(decimal)
      } catch (error) {
        if (!(error instanceof DecimalError)) throw error
        return { issue: `${error.message}; expected ${what}` }
      }
      if (options.zeroIsNone && compareDecimals(decimal, '0') === 0) {
        this.#rawMoney[field] = value
        return { value: undefined }
      }
      if (options.positive && !isPositiveDecimal(decimal))
        return { issue: `${decimal} is not ${what} above 0; fix it or remove the record` }
      return { value: decimal }
    }
    return this.take(field, value, convert, { ...options, what }, aliases)
  }

  /** A time as written (the engine reads it in `--timezone`), checked to be readable. */
  time(fields: string | ReadonlyArray<string>, options: FieldOptions = {}): string | undefined {
    const what = options.what ?? 'a time'
    return this.read(fields, (value) => this.#time(value, what), { ...options, what })
  }

  /** {@link time} of a value already taken. */
  timeOf(field: string, value: JsonInput | undefined, options: FieldOptions = {}): string | undefined {
    const what = options.what ?? 'a time'
    return this.take(field, value, (v) => this.#time(v, what), { ...options, what })
  }

  #time(value: JsonInput, what: string): FieldValue<string> {
    if (value === null || (typeof value === 'string' && value.trim() === '')) return MISSING
    const text =
      typeof value === 'string' ? value.trim() : value instanceof JsonNumber ? value.text : undefined
    if (text === undefined)
      return { issue: `${describeJson(value)} is not ${what} (${jsonKind(value)}); write an ISO-8601 time` }
    try {
      toInstant(text, this.#timezone)
    } catch (error) {
      if (!(error instanceof InstantError)) throw error
      return { issue: `${error.message}; fix the time or remove the record` }
    }
    return { value: text }
  }

  /**
   * Every field not read, plus the original text of money fields read from strings (`"₹3,900.00"`)
   * and of zeros read as "none", then `more`: the source record can be rebuilt from the columns and this.
   */
  extra(more: Record<string, unknown> = {}): Record<string, unknown> {
    return Object.assign(this.rest() as Record<string, unknown>, this.#rawMoney, more)
  }

  /**
   * One reject for the record when it has issues (else `undefined`): located at the first bad field
   * under `path` in `file`, its reason naming every bad field with what to do.
   */
  reject(file: string, path: string, entity: EntityName, raw: unknown): Reject | undefined {
    const first = this.issues[0]
    if (!first) return undefined
    return {
      entity,
      location: { file, path: joinPath(path, first.field) },
      field: first.field,
      reason: formatIssues(this.issues, path),
      raw,
    }
  }
}

function withWhat(options: FieldOptions, what: string): FieldOptions {
  return { ...options, what: options.what ?? what }
}

function jsonText(value: JsonInput, what: string): FieldValue<string> {
  if (value === null || (typeof value === 'string' && value.trim() === '')) return MISSING
  if (typeof value === 'string') return { value: value.trim() }
  if (value instanceof JsonNumber) return { value: value.text }
  return { issue: `${describeJson(value)} is not ${what} (${jsonKind(value)}); write it as a string` }
}

/**
 * The JSON object of one item of a file (at `path` in `file`), or, as `{ reject }`, why the item is
 * no record: it nests deeper than `MAX_JSON_DEPTH`, or it is not a JSON object. `what` names the
 * record for the message (`an order`).
 *
 * @example
 * const read = recordOf('data/orders.json', 'orders[3]', 'orders', item, 'an order')
 * if ('reject' in read) return read // a Mapped with the reject
 * const order = read.object
 */
export function recordOf(
  file: string,
  path: string,
  entity: EntityName,
  item: JsonItem,
  what: string,
): { readonly object: JsonObject } | { readonly reject: Reject } {
  const { value } = item
  if (item.tooDeep) {
    return {
      reject: {
        entity,
        location: { file, path },
        reason: `${path || 'the file'}: ${TOO_DEEP}, so it was not read; flatten or remove it and run again`,
      },
    }
  }
  if (isObject(value)) return { object: value }
  return {
    reject: {
      entity,
      location: { file, path },
      reason: `${path}: ${describeJson(value)} is not ${what} (${jsonKind(value)}); each item must be a JSON object`,
      raw: value,
    },
  }
}

/** Whether a JSON value is a plain object. */
export function isObject(value: JsonInput | undefined): value is JsonObject {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber)
  )
}

/** A JSON value for messages: a number as written, anything else as `describeValue` shows it. */
export function describeJson(value: JsonInput): string {
  return value instanceof JsonNumber ? value.text : describeValue(value)
}

/** What kind of JSON value it is, for messages: `a number`, `a string`, `an object`… */
export function jsonKind(value: JsonInput): string {
  if (value === null) return 'null'
  if (value instanceof JsonNumber) return 'a number'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}
