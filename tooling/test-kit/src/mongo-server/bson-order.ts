import type { Document } from 'bson'

/**
 * MongoDB's canonical type classes, in sort order: values of a lower class sort first, and the query
 * operators `$gt`, `$lt`… only match values of the class of their operand ("type bracketing").
 */
const TYPE_CLASS = {
  minKey: 1,
  null: 2,
  number: 3,
  string: 4,
  object: 5,
  array: 6,
  binary: 7,
  objectId: 8,
  boolean: 9,
  date: 10,
  timestamp: 11,
  regex: 12,
  maxKey: 13,
} as const

/** The name of a BSON value's class, as `$type` aliases and error messages use them. */
export type TypeClassName = keyof typeof TYPE_CLASS

/** The `_bsontype` tag of a js-bson value, if it has one. */
export function bsonTag(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const tag = (value as { _bsontype?: unknown })._bsontype
  return typeof tag === 'string' ? tag : undefined
}

/** Whether a value is a plain document (not an array, Date or js-bson value). */
export function isPlainDocument(value: unknown): value is Document {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value)
  return (prototype === Object.prototype || prototype === null) && bsonTag(value) === undefined
}

/** The canonical type class of a deserialized BSON value. */
export function typeClass(value: unknown): TypeClassName {
  if (value === null || value === undefined) return 'null'
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return 'number'
    case 'string':
      return 'string'
    case 'boolean':
      return 'boolean'
  }
  if (value instanceof Date) return 'date'
  if (Array.isArray(value)) return 'array'
  if (value instanceof RegExp) return 'regex'
  switch (bsonTag(value)) {
    case 'Int32':
    case 'Double':
    case 'Long':
    case 'Decimal128':
      return 'number'
    case 'BSONSymbol':
      return 'string'
    case 'Binary':
      return 'binary'
    case 'ObjectId':
      return 'objectId'
    case 'Timestamp':
      return 'timestamp'
    case 'BSONRegExp':
      return 'regex'
    case 'MinKey':
      return 'minKey'
    case 'MaxKey':
      return 'maxKey'
    default:
      return 'object'
  }
}

/** A number of any BSON numeric type as a bigint when it is an integer, else as a JS number. */
export function numericValue(value: unknown): number | bigint {
  if (typeof value === 'number' || typeof value === 'bigint') return value
  const tag = bsonTag(value)
  if (tag === 'Int32' || tag === 'Double') return (value as { value: number }).value
  if (tag === 'Long') return BigInt((value as { toString(): string }).toString())
  if (tag === 'Decimal128') return Number((value as { toString(): string }).toString())
  return Number.NaN
}

/** A numeric command argument (`batchSize`, `limit`) of any BSON numeric type, as a JS number. */
export function toNumber(value: unknown, fallback = 0): number {
  if (value === undefined || value === null) return fallback
  const number = numericValue(value)
  return typeof number === 'bigint' ? Number(number) : Number.isNaN(number) ? fallback : number
}

function compareNumbers(a: unknown, b: unknown): number {
  const x = numericValue(a)
  const y = numericValue(b)
  // NaN sorts before every other number, and equals itself, as in MongoDB.
  const xNaN = typeof x === 'number' && Number.isNaN(x)
  const yNaN = typeof y === 'number' && Number.isNaN(y)
  if (xNaN || yNaN) return xNaN && yNaN ? 0 : xNaN ? -1 : 1
  if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0
  if (typeof x === 'number' && Number.isInteger(x) && typeof y === 'bigint')
    return compareNumbers(BigInt(x), y)
  if (typeof y === 'number' && Number.isInteger(y) && typeof x === 'bigint')
    return compareNumbers(x, BigInt(y))
  const fx = Number(x)
  const fy = Number(y)
  return fx < fy ? -1 : fx > fy ? 1 : 0
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength),
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  )
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : String((value as { value: unknown }).value)
}

/**
 * Compares two BSON values in MongoDB's sort order: first by type class, then within the class
 * (numbers by value across Int32, Int64, Double and Decimal128; strings by UTF-8 bytes, as the
 * simple collation does; documents field by field; ObjectIds by their bytes; dates by time).
 */
export function compareValues(a: unknown, b: unknown): number {
  const classA = typeClass(a)
  const classB = typeClass(b)
  if (classA !== classB) return TYPE_CLASS[classA] - TYPE_CLASS[classB]
  switch (classA) {
    case 'null':
    case 'minKey':
    case 'maxKey':
      return 0
    case 'number':
      return compareNumbers(a, b)
    case 'string':
      return Buffer.compare(Buffer.from(stringOf(a)), Buffer.from(stringOf(b)))
    case 'boolean':
      return Number(a) - Number(b)
    case 'date':
      return Math.sign((a as Date).getTime() - (b as Date).getTime())
    case 'objectId':
      return compareBytes((a as { id: Uint8Array }).id, (b as { id: Uint8Array }).id)
    case 'timestamp': {
      const x = a as { t: number; i: number }
      const y = b as { t: number; i: number }
      return x.t !== y.t ? Math.sign(x.t - y.t) : Math.sign(x.i - y.i)
    }
    case 'binary': {
      const x = a as { buffer: Uint8Array; sub_type: number }
      const y = b as { buffer: Uint8Array; sub_type: number }
      if (x.buffer.length !== y.buffer.length) return Math.sign(x.buffer.length - y.buffer.length)
      if (x.sub_type !== y.sub_type) return Math.sign(x.sub_type - y.sub_type)
      return compareBytes(x.buffer, y.buffer)
    }
    case 'regex': {
      const x = a as { pattern?: string; source?: string; options?: string; flags?: string }
      const y = b as { pattern?: string; source?: string; options?: string; flags?: string }
      const byPattern = Buffer.compare(
        Buffer.from(x.pattern ?? x.source ?? ''),
        Buffer.from(y.pattern ?? y.source ?? ''),
      )
      return (
        byPattern ||
        Buffer.compare(Buffer.from(x.options ?? x.flags ?? ''), Buffer.from(y.options ?? y.flags ?? ''))
      )
    }
    case 'array': {
      const x = a as unknown[]
      const y = b as unknown[]
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const order = compareValues(x[i], y[i])
        if (order !== 0) return order
      }
      return Math.sign(x.length - y.length)
    }
    default: {
      const x = Object.entries(a as Document)
      const y = Object.entries(b as Document)
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const [keyA, valueA] = x[i]!
        const [keyB, valueB] = y[i]!
        const byType = TYPE_CLASS[typeClass(valueA)] - TYPE_CLASS[typeClass(valueB)]
        if (byType !== 0) return byType
        const byKey = Buffer.compare(Buffer.from(keyA), Buffer.from(keyB))
        if (byKey !== 0) return byKey
        const byValue = compareValues(valueA, valueB)
        if (byValue !== 0) return byValue
      }
      return Math.sign(x.length - y.length)
    }
  }
}

/** The canonical class of a `$type` operand: an alias (`"objectId"`, `"long"`) or a BSON type number. */
export function typeClassOfAlias(alias: unknown): TypeClassName | 'unknown' {
  const aliases: Record<string, TypeClassName> = {
    double: 'number',
    string: 'string',
    object: 'object',
    array: 'array',
    binData: 'binary',
    objectId: 'objectId',
    bool: 'boolean',
    date: 'date',
    null: 'null',
    regex: 'regex',
    symbol: 'string',
    int: 'number',
    timestamp: 'timestamp',
    long: 'number',
    decimal: 'number',
    number: 'number',
    minKey: 'minKey',
    maxKey: 'maxKey',
  }
  const numbers: Record<number, TypeClassName> = {
    1: 'number',
    2: 'string',
    3: 'object',
    4: 'array',
    5: 'binary',
    7: 'objectId',
    8: 'boolean',
    9: 'date',
    10: 'null',
    11: 'regex',
    14: 'string',
    16: 'number',
    17: 'timestamp',
    18: 'number',
    19: 'number',
    [-1]: 'minKey',
    127: 'maxKey',
  }
  if (typeof alias === 'string') return aliases[alias] ?? 'unknown'
  return numbers[toNumber(alias, Number.NaN)] ?? 'unknown'
}
