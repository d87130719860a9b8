import {
  DecimalError,
  describeValue,
  InstantError,
  type ParsedInstant,
  parseMoney,
  toDecimal,
  toInstant,
} from '@ledgerport/core'
import type { FieldValue } from '@ledgerport/source-kit'
import type { Document } from 'mongodb'

/** The `_bsontype` tag of a js-bson value (`ObjectId`, `Decimal128`…), if it is one. */
export function bsonTag(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const tag = (value as { _bsontype?: unknown })._bsontype
  return typeof tag === 'string' ? tag : undefined
}

/** Whether a value is a plain document (not an array, a `Date` or a js-bson value). */
export function isDocument(value: unknown): value is Document {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date)
    return false
  return bsonTag(value) === undefined
}

/** Whether a value is an ObjectId. */
export function isObjectId(value: unknown): value is { toHexString(): string } {
  return bsonTag(value) === 'ObjectId'
}

/** A date as relaxed Extended JSON writes it: RFC 3339 UTC, milliseconds with trailing zeros trimmed. */
function relaxedDate(date: Date): unknown {
  const ms = date.getTime()
  if (Number.isNaN(ms)) return null
  const year = date.getUTCFullYear()
  if (year < 1970 || year > 9999) return { $date: { $numberLong: String(ms) } }
  return { $date: date.toISOString().replace(/\.?0+Z$/, 'Z') }
}

/**
 * A BSON value as relaxed Extended JSON v2 (what `mongoexport` writes by default), as a JS value
 * that `canonicalJson` writes losslessly: ObjectId `{"$oid"}`, dates `{"$date": "…Z"}` (before 1970 or
 * after 9999 `{"$date": {"$numberLong"}}`), Decimal128 `{"$numberDecimal"}`, Int64 a plain number
 * with every digit (a bigint when a double cannot hold it), non-finite doubles `{"$numberDouble"}`,
 * UUIDs `{"$uuid"}`, other binaries `{"$binary"}`, timestamps, regexes, MinKey/MaxKey, DBRefs. The same
 * BSON read from a server or from a mongoexport file gives the same value, so `extra` is the same.
 */
export function toRelaxedJson(value: unknown): unknown {
  if (value === null || value === undefined) return null
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? value : { $numberDouble: String(value) }
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value
  }
  if (value instanceof Date) return relaxedDate(value)
  if (Array.isArray(value)) return value.map(toRelaxedJson)
  const object = value as Record<string, unknown>
  switch (bsonTag(object)) {
    case undefined: {
      const out: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(object)) out[key] = toRelaxedJson(item)
      return out
    }
    case 'ObjectId':
      return { $oid: (object as unknown as { toHexString(): string }).toHexString() }
    case 'Decimal128':
      return { $numberDecimal: String(object) }
    case 'Int32':
    case 'Double':
      return toRelaxedJson(object.value)
    case 'Long':
      return toRelaxedJson(BigInt(String(object)))
    case 'Binary': {
      const binary = object as unknown as {
        sub_type: number
        buffer: Uint8Array
        toString(encoding: 'base64'): string
      }
      if (binary.sub_type === 4 && binary.buffer.length === 16) {
        const hex = Buffer.from(binary.buffer).toString('hex')
        return {
          $uuid: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
        }
      }
      return {
        $binary: {
          base64: Buffer.from(binary.buffer).toString('base64'),
          subType: binary.sub_type.toString(16).padStart(2, '0'),
        },
      }
    }
    case 'Timestamp': {
      const timestamp = object as unknown as { t: number; i: number }
      return { $timestamp: { t: timestamp.t, i: timestamp.i } }
    }
    case 'BSONRegExp':
      return { $regularExpression: { pattern: object.pattern, options: object.options } }
    case 'BSONSymbol':
      return { $symbol: String(object.value) }
    case 'MinKey':
      return { $minKey: 1 }
    case 'MaxKey':
      return { $maxKey: 1 }
    case 'Code':
      return object.scope
        ? { $code: object.code, $scope: toRelaxedJson(object.scope) }
        : { $code: object.code }
    case 'DBRef': {
      const ref = object as unknown as { collection: string; oid: unknown; db?: string; fields?: Document }
      return {
        $ref: ref.collection,
        $id: toRelaxedJson(ref.oid),
        ...(ref.db ? { $db: ref.db } : {}),
        ...(toRelaxedJson(ref.fields ?? {}) as object),
      }
    }
    default:
      return String(object)
  }
}

/** A short rendering of a BSON value for messages: its relaxed Extended JSON, cut at 60 characters. */
export function describeBson(value: unknown): string {
  return describeValue(toRelaxedJson(value))
}

/** What kind of BSON value this is, for messages: `a boolean`, `a document`, `an ObjectId`… */
export function bsonKind(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Date) return 'a date'
  switch (typeof value) {
    case 'string':
      return 'a string'
    case 'boolean':
      return 'a boolean'
    case 'number':
      return Number.isInteger(value) ? 'an integer' : 'a double'
    case 'bigint':
      return 'an Int64'
  }
  const tag = bsonTag(value)
  if (!tag) return 'a document'
  if (tag === 'Int32') return 'an integer'
  if (tag === 'Double') return 'a double'
  if (tag === 'Long') return 'an Int64'
  return /^[AEIOU]/.test(tag) ? `an ${tag}` : `a ${tag}`
}

/**
 * The text of an `_id` as the source key and `external_id` use it: the hex of an ObjectId, a string
 * as it is, a number's decimal text, anything else its canonical relaxed Extended JSON.
 */
export function idText(id: unknown): string {
  if (isObjectId(id)) return id.toHexString()
  if (typeof id === 'string') return id
  if (typeof id === 'number' || typeof id === 'bigint') return toDecimal(id)
  const tag = bsonTag(id)
  if (tag === 'Int32' || tag === 'Double' || tag === 'Long' || tag === 'Decimal128')
    return toDecimal(String(id))
  return JSON.stringify(toRelaxedJson(id), (_key, item: unknown) =>
    typeof item === 'bigint' ? item.toString() : item,
  )
}

/** An `_id` as mongosh shows it, for locations: `ObjectId("65f0…")`, `"legacy-7"`, `42`. */
export function idLabel(id: unknown): string {
  if (isObjectId(id)) return `ObjectId("${id.toHexString()}")`
  if (typeof id === 'string') return JSON.stringify(id)
  return idText(id)
}

/**
 * An exact decimal string from any BSON number (Int32, Int64, double — its shortest round-trip text
 * — or Decimal128, digit for digit) or from text (`"10000.00"`, `"$1,250.50"`).
 */
export function decimalOf(value: unknown): FieldValue<string> {
  if (value === null || value === undefined) return { missing: true }
  const tag = bsonTag(value)
  let input: unknown = value
  if (tag === 'Decimal128' || tag === 'Long') input = String(value)
  else if (tag === 'Int32' || tag === 'Double') input = (value as { value: number }).value
  else if (tag !== undefined || typeof value === 'boolean' || typeof value === 'object')
    return { issue: `${describeBson(value)} is not a number (${bsonKind(value)})` }
  if (typeof input === 'number' && !Number.isFinite(input))
    return { issue: `${String(input)} is not a number (a double ${String(input)})` }
  if (typeof input === 'string' && /^[+-]?(NaN|Inf(inity)?)$/i.test(input.trim()))
    return {
      issue: `${describeBson(value)} is not a number (${tag === 'Decimal128' ? 'a Decimal128' : 'text'} ${input.trim()})`,
    }
  try {
    return { value: tag === undefined && typeof input === 'string' ? parseMoney(input) : toDecimal(input) }
  } catch (error) {
    if (error instanceof DecimalError) return { issue: error.message }
    throw error
  }
}

/**
 * A UTC instant from a BSON date, an ISO-8601 or naive date string (read in `timeZone`), an epoch
 * number (seconds, milliseconds or microseconds by magnitude), or a BSON Timestamp (its seconds).
 */
export function instantOf(value: unknown, timeZone: string): FieldValue<ParsedInstant> {
  if (value === null || value === undefined) return { missing: true }
  const tag = bsonTag(value)
  let input: unknown = value
  if (tag === 'Timestamp') input = (value as { t: number }).t
  else if (tag === 'Int32' || tag === 'Double') input = (value as { value: number }).value
  else if (tag === 'Long') input = BigInt(String(value))
  else if (
    tag !== undefined ||
    typeof value === 'boolean' ||
    (typeof value === 'object' && !(value instanceof Date))
  )
    return { issue: `${describeBson(value)} is not a time (${bsonKind(value)})` }
  try {
    return { value: toInstant(input, timeZone) }
  } catch (error) {
    if (error instanceof InstantError) return { issue: error.message }
    throw error
  }
}
