import { toInstant } from '@ledgerport/core'
import { JsonDepthError, JsonSyntaxError, parseJson } from '@ledgerport/source-kit'
import {
  Binary,
  BSONRegExp,
  Code,
  DBRef,
  Decimal128,
  type Document,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  UUID,
} from 'mongodb'

/** Text that is not valid JSON, or a type wrapper (`{"$oid": …}`) with a malformed value. */
export class ExtendedJsonError extends Error {
  override readonly name = 'ExtendedJsonError'
}

const INT32_MIN = -2_147_483_648
const INT32_MAX = 2_147_483_647
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/**
 * Parses one Extended JSON value (v2 relaxed or canonical, and the v1 forms older mongoexports
 * wrote) into the values the `mongodb` driver returns for the same BSON with `useBigInt64`: numbers
 * for Int32 and doubles, bigints for Int64, `Date`, `ObjectId`, `Decimal128`, `Binary`, `Timestamp`,
 * `BSONRegExp`, `Code`, `DBRef`, `MinKey`, `MaxKey`; plain objects and arrays.
 *
 * The JSON is read by the kit's `parseJson`, which keeps every number's text: a bare integer that a
 * double cannot hold (a relaxed Int64 above 2^53) becomes a bigint with every digit, never a rounded
 * number; other bare numbers are doubles, which is what a relaxed writer wrote them from. Wrapper
 * keys may come in any order; a wrapper with a malformed value is an error (as the Extended JSON spec
 * requires); unknown `$` keys are ordinary fields.
 *
 * @throws {ExtendedJsonError} for invalid JSON, JSON nested deeper than `MAX_JSON_DEPTH`, or a
 *   malformed wrapper; the message says where.
 */
export function parseExtendedJson(text: string): unknown {
  let tree: unknown
  try {
    tree = parseJson(text, { number: bareNumber })
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new ExtendedJsonError(`not valid JSON (${error.message})`)
    if (error instanceof JsonDepthError) throw new ExtendedJsonError(error.message)
    throw error
  }
  return fromExtendedJson(tree, '')
}

/**
 * A bare JSON number as a relaxed writer meant it: an integer a double cannot hold is a bigint (a
 * relaxed Int64 above 2^53, every digit kept); any other number is the double it was written from.
 */
function bareNumber(text: string): number | bigint {
  if (/^-?\d+$/.test(text)) {
    const number = Number(text)
    return Number.isSafeInteger(number) ? number : BigInt(text)
  }
  return Number(text)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function hasKeys(object: Record<string, unknown>, ...keys: string[]): boolean {
  const own = Object.keys(object)
  return own.length === keys.length && keys.every((key) => own.includes(key))
}

function wrapperError(path: string, wrapper: string, value: unknown): never {
  throw new ExtendedJsonError(
    `${path || 'the document'}: ${wrapper} has a malformed value ${JSON.stringify(value, (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    )}`,
  )
}

function integerText(text: unknown, path: string, wrapper: string): bigint {
  if (typeof text !== 'string' || !/^-?\d+$/.test(text)) wrapperError(path, wrapper, text)
  return BigInt(text)
}

function dateOf(value: unknown, path: string): Date {
  let ms: number
  if (typeof value === 'string') {
    try {
      const { instant } = toInstant(value)
      ms = Date.parse(instant)
    } catch {
      return wrapperError(path, '$date', value)
    }
  } else if (isObject(value) && hasKeys(value, '$numberLong')) {
    ms = Number(integerText(value.$numberLong, path, '$date'))
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    // mongoexport 2.4 wrote milliseconds as a bare number.
    ms = Number(value)
  } else {
    return wrapperError(path, '$date', value)
  }
  const date = new Date(ms)
  if (Number.isNaN(date.getTime())) wrapperError(path, '$date', value)
  return date
}

/** Turns type wrappers into BSON values, recursively. `path` names where, for errors. */
function fromExtendedJson(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((item, index) => fromExtendedJson(item, `${path}[${index}]`))
  if (!isObject(value)) return value
  const keys = Object.keys(value)
  if (keys.length > 0 && keys.length <= 3 && keys.some((key) => key.startsWith('$'))) {
    const converted = fromWrapper(value, path)
    if (converted !== NOT_A_WRAPPER) return converted
  }
  const out: Document = {}
  for (const key of keys) {
    Object.defineProperty(out, key, {
      value: fromExtendedJson(value[key], path ? `${path}.${key}` : key),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}

const NOT_A_WRAPPER = Symbol('not a wrapper')

function fromWrapper(object: Record<string, unknown>, path: string): unknown {
  if (hasKeys(object, '$oid')) {
    if (typeof object.$oid !== 'string' || !/^[0-9a-fA-F]{24}$/.test(object.$oid))
      wrapperError(path, '$oid', object.$oid)
    return new ObjectId(object.$oid)
  }
  if (hasKeys(object, '$numberInt')) {
    const number = integerText(object.$numberInt, path, '$numberInt')
    if (number < INT32_MIN || number > INT32_MAX) wrapperError(path, '$numberInt', object.$numberInt)
    return Number(number)
  }
  if (hasKeys(object, '$numberLong')) {
    const number = integerText(object.$numberLong, path, '$numberLong')
    if (number < INT64_MIN || number > INT64_MAX) wrapperError(path, '$numberLong', object.$numberLong)
    return number
  }
  if (hasKeys(object, '$numberDouble')) {
    const text = object.$numberDouble
    if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return Number(text)
    if (typeof text !== 'string' || !/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text))
      wrapperError(path, '$numberDouble', text)
    return Number(text)
  }
  if (hasKeys(object, '$numberDecimal')) {
    if (typeof object.$numberDecimal !== 'string') wrapperError(path, '$numberDecimal', object.$numberDecimal)
    try {
      return Decimal128.fromString(object.$numberDecimal)
    } catch {
      return wrapperError(path, '$numberDecimal', object.$numberDecimal)
    }
  }
  if (hasKeys(object, '$date')) return dateOf(object.$date, path)
  if (hasKeys(object, '$binary')) {
    const binary = object.$binary
    if (!isObject(binary) || !hasKeys(binary, 'base64', 'subType'))
      return wrapperError(path, '$binary', binary)
    return binaryOf(binary.base64, binary.subType, path)
  }
  if (hasKeys(object, '$binary', '$type')) return binaryOf(object.$binary, object.$type, path)
  if (hasKeys(object, '$uuid')) {
    if (typeof object.$uuid !== 'string' || !UUID.isValid(object.$uuid))
      wrapperError(path, '$uuid', object.$uuid)
    return new UUID(object.$uuid)
  }
  if (hasKeys(object, '$timestamp')) {
    const timestamp = object.$timestamp
    if (!isObject(timestamp) || !hasKeys(timestamp, 't', 'i'))
      return wrapperError(path, '$timestamp', timestamp)
    const { t, i } = timestamp
    if (!Number.isInteger(t) || !Number.isInteger(i) || (t as number) < 0 || (i as number) < 0)
      wrapperError(path, '$timestamp', timestamp)
    return new Timestamp({ t: t as number, i: i as number })
  }
  if (hasKeys(object, '$regularExpression')) {
    const regex = object.$regularExpression
    if (!isObject(regex) || !hasKeys(regex, 'pattern', 'options'))
      return wrapperError(path, '$regularExpression', regex)
    if (typeof regex.pattern !== 'string' || typeof regex.options !== 'string')
      wrapperError(path, '$regularExpression', regex)
    return new BSONRegExp(regex.pattern, regex.options)
  }
  // v1 regex; a `$regex` whose value is not a string is a query operator someone stored, not a regex.
  if (
    (hasKeys(object, '$regex', '$options') || hasKeys(object, '$regex')) &&
    typeof object.$regex === 'string'
  ) {
    return new BSONRegExp(object.$regex, typeof object.$options === 'string' ? object.$options : '')
  }
  if (hasKeys(object, '$minKey')) return new MinKey()
  if (hasKeys(object, '$maxKey')) return new MaxKey()
  if (hasKeys(object, '$undefined')) return null
  if (hasKeys(object, '$symbol') && typeof object.$symbol === 'string') return object.$symbol
  if ((hasKeys(object, '$code') || hasKeys(object, '$code', '$scope')) && typeof object.$code === 'string') {
    return new Code(
      object.$code,
      isObject(object.$scope) ? (fromExtendedJson(object.$scope, path) as Document) : null,
    )
  }
  if (hasKeys(object, '$dbPointer')) {
    const pointer = object.$dbPointer
    if (!isObject(pointer) || typeof pointer.$ref !== 'string')
      return wrapperError(path, '$dbPointer', pointer)
    return new DBRef(pointer.$ref, fromExtendedJson(pointer.$id, path) as ObjectId)
  }
  if (
    typeof object.$ref === 'string' &&
    '$id' in object &&
    (object.$db === undefined || typeof object.$db === 'string')
  ) {
    if (Object.keys(object).every((key) => key === '$ref' || key === '$id' || key === '$db'))
      return new DBRef(
        object.$ref,
        fromExtendedJson(object.$id, path) as ObjectId,
        object.$db as string | undefined,
      )
  }
  return NOT_A_WRAPPER
}

function binaryOf(base64: unknown, subType: unknown, path: string): Binary {
  if (typeof base64 !== 'string' || typeof subType !== 'string' || !/^[0-9a-fA-F]{1,2}$/.test(subType))
    return wrapperError(path, '$binary', { base64, subType })
  return new Binary(Buffer.from(base64, 'base64'), Number.parseInt(subType, 16))
}
