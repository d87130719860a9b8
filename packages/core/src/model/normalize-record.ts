import { MAX_CANONICAL_JSON_DEPTH, shortPath } from './bounded-json.js'
import type { CanonicalRecord, EntityRef } from './canonical-record.js'
import { compareDecimals, DecimalError, toDecimal } from './decimal.js'
import { describeValue } from './describe-value.js'
import { COMMON_COLUMNS, type ColumnSpec, ENTITY_COLUMNS } from './entities.js'
import { InstantError, toInstant } from './instant.js'

/**
 * One thing wrong with a record: the field (a column, a key of `values`, `extra`, `entity` or
 * `sourceKey`) and why, without the field name: show it as `${field}: ${reason}`, e.g.
 * `price: "abc" is not a decimal number`, `symbol: is required`.
 */
export interface RecordIssue {
  /** The offending field. */
  readonly field: string
  /** Why, in words, starting with the value when there is one. */
  readonly reason: string
}

/** A column value after normalisation; an {@link EntityRef} is left for the engine to turn into an id. */
export type NormalizedValue = string | number | boolean | null | EntityRef

/** A record validated and normalised against its table's columns. */
export interface NormalizedRecord {
  /** Every column of the table (besides the common ones), in table order; missing ones are `null`. */
  readonly values: Record<string, NormalizedValue>
  /** `extra` as canonical JSON text, or `null` when empty or absent. */
  readonly extra: string | null
  /** Naive source times: the larger of those found here and the record's own `naiveTimes`. */
  readonly naiveTimes: number
}

class ValueIssue extends Error {}

interface EntityPlan {
  readonly columns: ReadonlyArray<ColumnSpec>
  readonly names: ReadonlySet<string>
  /** Every column as `null`, copied for each record: a copy keeps fast properties (see prepare-records). */
  readonly template: Readonly<Record<string, null>>
  readonly vocabularies: ReadonlyMap<string, ReadonlySet<string>>
}

const COMMON_NAMES: ReadonlySet<string> = new Set(COMMON_COLUMNS.map((column) => column.name))
const plans = new Map<string, EntityPlan>(
  Object.entries(ENTITY_COLUMNS).map(([entity, columns]) => [
    entity,
    {
      columns,
      names: new Set(columns.map((column) => column.name)),
      template: JSON.parse(JSON.stringify(Object.fromEntries(columns.map((column) => [column.name, null])))),
      vocabularies: new Map(
        columns
          .filter((column) => column.type === 'vocab')
          .map((column) => [column.name, new Set(column.vocabulary ?? [])] as const),
      ),
    },
  ]),
)

const INT64_MIN = '-9223372036854775808'
const INT64_MAX = '9223372036854775807'
const TRUE_TEXT = new Set(['true', 't', 'yes', '1'])
const FALSE_TEXT = new Set(['false', 'f', 'no', '0'])

/**
 * Validates a source's record against its table (`ENTITY_COLUMNS[record.entity]`) and normalises every
 * value to what the targets store:
 * - every column appears in `values`; missing, `undefined` and `null` are `null`;
 * - `decimal`: {@link toDecimal} (sources call `parseMoney` themselves for money text);
 * - `instant`: {@link toInstant} in `options.timeZone`, counting naive times;
 * - `integer`: a JS number when it is a safe integer, else its decimal text (an unsafe JS number, already
 *   approximate, as its shortest round-trip text: read big integers as bigints); within 64 bits;
 *   non-integers are refused (`"5.00"` is 5);
 * - `boolean`: `true`/`false`, also 0/1 and the text `true`/`false`, `t`/`f`, `yes`/`no`, `1`/`0` in any case;
 * - `text`: strings as they are, numbers and bigints as text; booleans and objects are refused;
 * - `json`: {@link canonicalJson} text (a string is a JSON string: parse JSON text first);
 * - `ref`: an {@link EntityRef} to the column's table, kept as it is (the engine computes the id);
 * - `vocab`: one of the column's vocabulary, exactly (map with `mapVocabulary` first).
 *
 * The source key (and each reference's) must be non-empty text without NUL characters, so
 * `canonicalId` never throws for a normalised record. Required columns must not be missing; a key of `values` that is not a column of the table is an
 * issue (its reason says to put it in `extra`). `extra` becomes canonical JSON text, or `null` when
 * empty. Every issue of the record is collected; a record with issues gets no `record`.
 */
export function normalizeRecord(
  record: CanonicalRecord,
  options: { timeZone: string },
): { record?: NormalizedRecord; issues: RecordIssue[] } {
  const issues: RecordIssue[] = []
  const plan = plans.get(record.entity)
  if (!plan) {
    issues.push({
      field: 'entity',
      reason: `${describeValue(record.entity)} is not a canonical table (one of ${Object.keys(ENTITY_COLUMNS).join(', ')})`,
    })
    return { issues }
  }
  if (typeof record.sourceKey !== 'string' || record.sourceKey === '') {
    issues.push({
      field: 'sourceKey',
      reason: `${describeValue(record.sourceKey)} is not a non-empty string`,
    })
  } else if (record.sourceKey.includes('\u0000')) {
    issues.push({ field: 'sourceKey', reason: `${describeValue(record.sourceKey)} contains a NUL character` })
  }
  const input = record.values
  for (const key of Object.keys(input)) {
    if (plan.names.has(key) || input[key] === undefined) continue
    issues.push({
      field: key,
      reason: COMMON_NAMES.has(key)
        ? `is set by the engine, not by a source; it is not one of the columns of ${record.entity} a source fills (put source fields in extra)`
        : `is not a column of ${record.entity}; put it in extra`,
    })
  }

  let naiveTimes = 0
  const values: Record<string, NormalizedValue> = { ...plan.template }
  for (const column of plan.columns) {
    const raw = input[column.name]
    if (raw === undefined || raw === null) {
      values[column.name] = null
      if (column.required) issues.push({ field: column.name, reason: 'is required' })
      continue
    }
    try {
      switch (column.type) {
        case 'decimal':
          values[column.name] = toDecimal(raw)
          break
        case 'instant': {
          const parsed = toInstant(raw, options.timeZone)
          if (parsed.naive) naiveTimes++
          values[column.name] = parsed.instant
          break
        }
        case 'integer':
          values[column.name] = toInteger(raw)
          break
        case 'boolean':
          values[column.name] = toBoolean(raw)
          break
        case 'text':
          values[column.name] = toText(raw)
          break
        case 'json':
          values[column.name] = canonicalJson(raw)
          break
        case 'ref':
          values[column.name] = toRef(raw, column)
          break
        case 'vocab':
          values[column.name] = toVocab(raw, plan.vocabularies.get(column.name) ?? new Set(), column)
          break
      }
    } catch (error) {
      if (
        error instanceof ValueIssue ||
        error instanceof DecimalError ||
        error instanceof InstantError ||
        error instanceof JsonValueError
      ) {
        issues.push({ field: column.name, reason: error.message })
      } else throw error
    }
  }

  let extra: string | null = null
  if (record.extra !== undefined && record.extra !== null) {
    try {
      extra = canonicalJson(record.extra)
      if (extra === '{}') extra = null
    } catch (error) {
      if (!(error instanceof JsonValueError)) throw error
      issues.push({ field: 'extra', reason: error.message })
    }
  }

  // The record's own count covers times the source converted itself; naive text found here is the
  // same times when the source counted those too (see CanonicalRecord.naiveTimes): count them once.
  naiveTimes = Math.max(naiveTimes, record.naiveTimes ?? 0)
  return issues.length > 0 ? { issues } : { record: { values, extra, naiveTimes }, issues }
}

function toInteger(raw: unknown): number | string {
  let text: string
  if (typeof raw === 'number') {
    if (Number.isSafeInteger(raw)) return raw === 0 ? 0 : raw
    if (!Number.isFinite(raw) || !Number.isInteger(raw))
      throw new ValueIssue(`${String(raw)} is not an integer`)
    text = toDecimal(raw)
  } else if (typeof raw === 'bigint') {
    text = raw.toString()
  } else if (typeof raw === 'string') {
    let decimal: string
    try {
      decimal = toDecimal(raw)
    } catch {
      throw new ValueIssue(`${describeValue(raw)} is not an integer`)
    }
    const point = decimal.indexOf('.')
    if (point !== -1 && !/^0*$/.test(decimal.slice(point + 1))) {
      throw new ValueIssue(`${describeValue(raw)} is not an integer`)
    }
    text = point === -1 ? decimal : decimal.slice(0, point)
    if (text === '-0') text = '0'
  } else {
    throw new ValueIssue(`${describeValue(raw)} is not an integer`)
  }
  if (compareDecimals(text, INT64_MIN) < 0 || compareDecimals(text, INT64_MAX) > 0) {
    throw new ValueIssue(`${describeValue(raw)} is outside the 64-bit integer range`)
  }
  const number = Number(text)
  return Number.isSafeInteger(number) ? number : text
}

function toBoolean(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw
  if (raw === 1 || raw === 1n) return true
  if (raw === 0 || raw === 0n) return false
  if (typeof raw === 'string') {
    const text = raw.trim().toLowerCase()
    if (TRUE_TEXT.has(text)) return true
    if (FALSE_TEXT.has(text)) return false
  }
  throw new ValueIssue(`${describeValue(raw)} is not a boolean (expected true/false, yes/no or 1/0)`)
}

function toText(raw: unknown): string {
  if (typeof raw === 'string') return raw
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new ValueIssue(`${String(raw)} is not text (not a finite number)`)
    return String(raw)
  }
  if (typeof raw === 'bigint') return raw.toString()
  if (typeof raw === 'boolean') throw new ValueIssue(`${String(raw)} is not text (a boolean)`)
  throw new ValueIssue(
    `${describeValue(raw)} is not text (${raw instanceof Date ? 'a Date' : Array.isArray(raw) ? 'an array' : 'an object'}); structured data goes in a json column or extra`,
  )
}

function toRef(raw: unknown, column: ColumnSpec): EntityRef {
  const example = `{ ref: '${column.ref}', sourceKey: '…' }`
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof Date) {
    throw new ValueIssue(`${describeValue(raw)} is not a reference to ${column.ref} (expected ${example})`)
  }
  const candidate = raw as Partial<Record<keyof EntityRef, unknown>>
  if (
    typeof candidate.ref !== 'string' ||
    typeof candidate.sourceKey !== 'string' ||
    candidate.sourceKey === ''
  ) {
    throw new ValueIssue(`${describeValue(raw)} is not a reference to ${column.ref} (expected ${example})`)
  }
  if (candidate.source !== undefined && (typeof candidate.source !== 'string' || candidate.source === '')) {
    throw new ValueIssue(`${describeValue(raw)} has a source that is not a non-empty string`)
  }
  if (candidate.sourceKey.includes('\u0000') || candidate.source?.includes('\u0000')) {
    throw new ValueIssue(`${describeValue(raw)} contains a NUL character, which no id can be made of`)
  }
  if (candidate.ref !== column.ref) {
    throw new ValueIssue(
      `${describeValue(raw)} refers to ${candidate.ref}, but this column refers to ${column.ref}`,
    )
  }
  return raw as EntityRef
}

function toVocab(raw: unknown, vocabulary: ReadonlySet<string>, column: ColumnSpec): string {
  if (typeof raw === 'string' && vocabulary.has(raw)) return raw
  throw new ValueIssue(`${describeValue(raw)} is not one of ${(column.vocabulary ?? []).join(', ')}`)
}

/** Objects' keys as sorted by {@link sortedKeys}, latest first: records of a source share a few shapes. */
const keyOrders: Array<{ keys: string[]; sorted: string[]; labels: string[] }> = []
const KEY_ORDERS_KEPT = 8

/** Keys in UTF-16 order, with their JSON labels (`"key":`); reused for an object of a recent shape. */
function sortedKeys(keys: string[]): { sorted: string[]; labels: string[] } {
  for (const known of keyOrders) {
    if (known.keys.length === keys.length && known.keys.every((key, index) => key === keys[index]))
      return known
  }
  const sorted = [...keys].sort()
  const order = { keys, sorted, labels: sorted.map((key) => `${JSON.stringify(key)}:`) }
  keyOrders.unshift(order)
  if (keyOrders.length > KEY_ORDERS_KEPT) keyOrders.pop()
  return order
}

/** A value that JSON cannot hold without loss (NaN, a Map, a cycle…); the message says where. */
class JsonValueError extends TypeError {}

/**
 * Canonical JSON text of a value, the same for equal content: object keys sorted (by UTF-16 code
 * units), keys whose value is `undefined` dropped (`undefined` in arrays and at the top is `null`),
 * no whitespace. Lossless: a bigint is written as JSON number text with all its digits, decimal strings
 * stay strings, a `Date` is its ISO string, objects with `toJSON` (Mongo's ObjectId, Decimal128) are
 * written as that returns.
 *
 * ```ts
 * canonicalJson({ b: 1n, a: ['x', undefined] }) // '{"a":["x",null],"b":1}'
 * ```
 *
 * @throws {TypeError} for what JSON cannot hold without loss: NaN and ±Infinity, functions, symbols,
 *   invalid Dates, Maps, Sets, typed arrays, cycles, and arrays and objects nested deeper than
 *   {@link MAX_CANONICAL_JSON_DEPTH}. The message gives the path, e.g. `$.a[2]`.
 */
export function canonicalJson(value: unknown): string {
  return writeJson(value, '$', new Set()) ?? 'null'
}

function writeJson(value: unknown, path: string, ancestors: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      if (!Number.isFinite(value))
        throw new JsonValueError(`${String(value)} at ${path} cannot be stored as JSON`)
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'bigint':
      return value.toString()
    case 'undefined':
      return undefined
    case 'function':
    case 'symbol':
      throw new JsonValueError(`a ${typeof value} at ${path} cannot be stored as JSON`)
  }
  if (value === null) return 'null'
  const object = value as object
  if (object instanceof Date) {
    if (Number.isNaN(object.getTime()))
      throw new JsonValueError(`an invalid Date at ${path} cannot be stored as JSON`)
    return JSON.stringify(object.toISOString())
  }
  if (ancestors.has(object))
    throw new JsonValueError(`a circular reference at ${path} cannot be stored as JSON`)
  const toJSON = (object as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') {
    ancestors.add(object)
    try {
      return writeJson(toJSON.call(object), path, ancestors)
    } finally {
      ancestors.delete(object)
    }
  }
  if (
    object instanceof Map ||
    object instanceof Set ||
    object instanceof WeakMap ||
    object instanceof WeakSet ||
    object instanceof RegExp ||
    object instanceof Promise ||
    ArrayBuffer.isView(object) ||
    object instanceof ArrayBuffer
  ) {
    throw new JsonValueError(
      `a ${object.constructor?.name ?? 'special object'} at ${path} cannot be stored as JSON; convert it first`,
    )
  }
  if (ancestors.size >= MAX_CANONICAL_JSON_DEPTH)
    throw new JsonValueError(
      `holds JSON nested deeper than ${MAX_CANONICAL_JSON_DEPTH} levels of arrays and objects, the most ledgerport stores (level ${MAX_CANONICAL_JSON_DEPTH + 1} at ${shortPath(path)}); flatten it or leave it out`,
    )
  ancestors.add(object)
  try {
    if (Array.isArray(object)) {
      let text = '['
      for (let index = 0; index < object.length; index++) {
        if (index > 0) text += ','
        text += writeJson(object[index], `${path}[${index}]`, ancestors) ?? 'null'
      }
      return `${text}]`
    }
    const record = object as Record<string, unknown>
    const { sorted, labels } = sortedKeys(Object.keys(record))
    let text = '{'
    for (let index = 0; index < sorted.length; index++) {
      const key = sorted[index]!
      const item = record[key]
      // Strings, finite numbers and null (most of any `extra`) are written here, without the path
      // that only an error message needs.
      const written =
        typeof item === 'string'
          ? JSON.stringify(item)
          : item === null
            ? 'null'
            : typeof item === 'number' && Number.isFinite(item)
              ? String(item)
              : writeJson(item, `${path}.${key}`, ancestors)
      if (written === undefined) continue
      text += text.length > 1 ? `,${labels[index]}${written}` : `${labels[index]}${written}`
    }
    return `${text}}`
  } finally {
    ancestors.delete(object)
  }
}
