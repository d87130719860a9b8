import type { Document } from 'bson'
import { compareValues, isPlainDocument, toNumber, typeClass, typeClassOfAlias } from './bson-order.js'
import { badValue } from './command-error.js'

/** The values at a dotted path of a document; arrays on the way fan out, as MongoDB's paths do. */
function valuesAt(document: unknown, path: ReadonlyArray<string>): unknown[] {
  if (path.length === 0) return [document]
  const [head, ...rest] = path
  if (Array.isArray(document)) {
    const index = /^\d+$/.test(head!) ? Number(head) : undefined
    if (index !== undefined) return valuesAt(document[index], rest)
    return document.flatMap((item) => (isPlainDocument(item) ? valuesAt(item, path) : []))
  }
  if (!isPlainDocument(document) || !(head! in document)) return rest.length === 0 ? [undefined] : []
  return valuesAt(document[head!], rest)
}

/** The candidates a condition is tested against: the value, and each element when it is an array. */
function candidates(values: unknown[]): unknown[] {
  return values.flatMap((value) => (Array.isArray(value) ? [value, ...value] : [value]))
}

const RANGE: Record<string, (order: number) => boolean> = {
  $gt: (order) => order > 0,
  $gte: (order) => order >= 0,
  $lt: (order) => order < 0,
  $lte: (order) => order <= 0,
}

function isOperatorDocument(value: unknown): value is Document {
  if (!isPlainDocument(value)) return false
  const keys = Object.keys(value)
  return keys.length > 0 && keys.every((key) => key.startsWith('$'))
}

function equals(value: unknown, operand: unknown): boolean {
  if (operand === null) return value === null || value === undefined
  return value !== undefined && compareValues(value, operand) === 0
}

function matchesOperator(values: unknown[], operator: string, operand: unknown): boolean {
  const range = RANGE[operator]
  if (range) {
    // Type bracketing: `{ $gt: ObjectId(…) }` only matches ObjectIds.
    const operandClass = typeClass(operand)
    return candidates(values).some(
      (value) =>
        value !== undefined && typeClass(value) === operandClass && range(compareValues(value, operand)),
    )
  }
  switch (operator) {
    case '$eq':
      return candidates(values).some((value) => equals(value, operand))
    case '$ne':
      return !candidates(values).some((value) => equals(value, operand))
    case '$in':
      if (!Array.isArray(operand)) throw badValue('$in needs an array')
      return candidates(values).some((value) => operand.some((item) => equals(value, item)))
    case '$nin':
      if (!Array.isArray(operand)) throw badValue('$nin needs an array')
      return !candidates(values).some((value) => operand.some((item) => equals(value, item)))
    case '$exists':
      return values.some((value) => value !== undefined) === Boolean(toNumber(operand, Number(operand)))
    case '$type': {
      const wanted = (Array.isArray(operand) ? operand : [operand]).map(typeClassOfAlias)
      if (wanted.includes('unknown')) throw badValue(`unknown type name alias: ${String(operand)}`)
      return candidates(values).some((value) => value !== undefined && wanted.includes(typeClass(value)))
    }
    case '$not':
      if (!isOperatorDocument(operand)) throw badValue('$not needs a document of operators')
      return !matchesCondition(values, operand)
    default:
      throw badValue(`unknown operator: ${operator}`)
  }
}

function matchesCondition(values: unknown[], condition: unknown): boolean {
  if (isOperatorDocument(condition)) {
    return Object.entries(condition).every(([operator, operand]) =>
      matchesOperator(values, operator, operand),
    )
  }
  return candidates(values).some((value) => equals(value, condition))
}

/**
 * Whether a document matches a query filter. Supports equality (also inside arrays), `$eq`, `$ne`,
 * `$gt`, `$gte`, `$lt`, `$lte` (type-bracketed, as in MongoDB), `$in`, `$nin`, `$exists`, `$type`,
 * `$not`, and `$and` / `$or` / `$nor`, on dotted paths.
 *
 * @throws {CommandError} `BadValue` for an operator it does not know.
 */
export function matches(document: Document, filter: Document | undefined): boolean {
  if (!filter) return true
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and' || key === '$or' || key === '$nor') {
      if (!Array.isArray(condition) || condition.length === 0)
        throw badValue(`${key} must be a nonempty array`)
      const results = condition.map((clause: Document) => matches(document, clause))
      const ok =
        key === '$and'
          ? results.every(Boolean)
          : key === '$or'
            ? results.some(Boolean)
            : !results.some(Boolean)
      if (!ok) return false
      continue
    }
    if (key.startsWith('$')) throw badValue(`unknown top level operator: ${key}`)
    if (!matchesCondition(valuesAt(document, key.split('.')), condition)) return false
  }
  return true
}

/** Sorts documents by a sort specification (`{ _id: 1 }`, `{ a: -1, b: 1 }`); stable. */
export function sortDocuments(documents: Document[], sort: Document | undefined): Document[] {
  if (!sort || Object.keys(sort).length === 0) return documents
  const keys = Object.entries(sort).map(([path, direction]) => {
    const sign = toNumber(direction, Number.NaN)
    if (sign !== 1 && sign !== -1)
      throw badValue(`$sort key ordering must be 1 (for ascending) or -1 (for descending)`)
    return { path: path.split('.'), sign }
  })
  const keyOf = (document: Document, path: string[]): unknown => {
    const values = valuesAt(document, path)
    return values.length === 1 ? (values[0] ?? null) : values
  }
  return documents
    .map((document, index) => ({ document, index }))
    .sort((a, b) => {
      for (const { path, sign } of keys) {
        const order = compareValues(keyOf(a.document, path), keyOf(b.document, path))
        if (order !== 0) return order * sign
      }
      return a.index - b.index
    })
    .map((entry) => entry.document)
}

/**
 * Applies a projection: inclusion (`{ a: 1, b: 1 }`, `_id` kept unless `_id: 0`) or exclusion
 * (`{ a: 0 }`) of top-level fields.
 */
export function project(document: Document, projection: Document | undefined): Document {
  if (!projection || Object.keys(projection).length === 0) return document
  const entries = Object.entries(projection).map(
    ([key, value]) => [key, Boolean(toNumber(value, Number(value)))] as const,
  )
  const inclusive = entries.some(([key, keep]) => key !== '_id' && keep)
  const exclusive = entries.some(([key, keep]) => key !== '_id' && !keep)
  if (inclusive && exclusive) throw badValue('Cannot do exclusion on field in inclusion projection')
  const rules = new Map(entries)
  const out: Document = {}
  for (const [key, value] of Object.entries(document)) {
    const rule = rules.get(key)
    if (key === '_id' ? rule !== false : inclusive ? rule === true : rule !== false) out[key] = value
  }
  return out
}
