import { type Document, Long } from 'bson'
import { compareValues, isPlainDocument, numericValue, toNumber } from './bson-order.js'
import { badValue, CommandError } from './command-error.js'
import { matches, project, sortDocuments } from './query.js'

/** The value of an aggregation expression on a document: a `$field` path, or a constant. */
function evaluate(document: Document, expression: unknown): unknown {
  if (typeof expression === 'string' && expression.startsWith('$')) {
    let value: unknown = document
    for (const part of expression.slice(1).split('.'))
      value = isPlainDocument(value) ? value[part] : undefined
    return value
  }
  return expression
}

/** Adds two numbers of any BSON numeric type, exactly for integers. */
function add(total: number | bigint, value: unknown): number | bigint {
  const number = numericValue(value)
  if (typeof number === 'number' && Number.isNaN(number)) return total
  if (typeof total === 'bigint' && typeof number === 'bigint') return total + number
  if (typeof total === 'number' && Number.isInteger(total) && typeof number === 'bigint')
    return BigInt(total) + number
  return Number(total) + Number(number)
}

/** A sum as mongod returns it: an Int32-sized integer as a number, a larger one as an Int64. */
function sumValue(total: number | bigint): unknown {
  if (typeof total === 'bigint') {
    return total >= -2_147_483_648n && total <= 2_147_483_647n ? Number(total) : Long.fromBigInt(total)
  }
  return total
}

interface GroupEntry {
  readonly id: unknown
  readonly results: Map<string, unknown>
}

function accumulate(entry: GroupEntry, field: string, op: string, value: unknown): void {
  const current = entry.results.get(field)
  switch (op) {
    case '$sum':
      entry.results.set(field, add((current as number | bigint | undefined) ?? 0, value))
      return
    case '$min':
    case '$max': {
      if (value === undefined || value === null) return
      const order = current === undefined ? 0 : compareValues(value, current)
      if (current === undefined || (op === '$min' ? order < 0 : order > 0)) entry.results.set(field, value)
      return
    }
    case '$first':
      if (!entry.results.has(field)) entry.results.set(field, value ?? null)
      return
    default:
      throw new CommandError(15952, 'Location15952', `unknown group operator '${op}'`)
  }
}

function group(documents: ReadonlyArray<Document>, spec: Document): Document[] {
  if (!('_id' in spec))
    throw new CommandError(15955, 'Location15955', 'a group specification must include an _id')
  const accumulators = Object.entries(spec)
    .filter(([field]) => field !== '_id')
    .map(([field, accumulator]) => {
      if (!isPlainDocument(accumulator) || Object.keys(accumulator).length !== 1)
        throw badValue(
          `the group aggregate field '${field}' must be defined as an expression inside an object`,
        )
      const [op, expression] = Object.entries(accumulator)[0]!
      return { field, op, expression }
    })
  const entries: GroupEntry[] = []
  for (const document of documents) {
    const id = evaluate(document, spec._id) ?? null
    let entry = entries.find((candidate) => compareValues(candidate.id, id) === 0)
    if (!entry) {
      entry = { id, results: new Map() }
      entries.push(entry)
    }
    for (const { field, op, expression } of accumulators)
      accumulate(entry, field, op, evaluate(document, expression))
  }
  return entries.map((entry) => {
    const out: Document = { _id: entry.id }
    for (const { field, op } of accumulators) {
      const result = entry.results.get(field)
      out[field] = op === '$sum' ? sumValue((result as number | bigint | undefined) ?? 0) : (result ?? null)
    }
    return out
  })
}

/**
 * Runs an aggregation pipeline over documents. Stages: `$match`, `$sort`, `$skip`, `$limit`,
 * `$project` (top-level inclusion or exclusion), `$count`, and `$group` with `$sum`, `$min`, `$max`
 * and `$first` (what `countDocuments` and simple reports send).
 *
 * @throws {CommandError} for an unknown stage or operator.
 */
export function runPipeline(documents: ReadonlyArray<Document>, pipeline: unknown): Document[] {
  if (!Array.isArray(pipeline))
    throw new CommandError(14, 'TypeMismatch', "'pipeline' option must be specified as an array")
  let out = [...documents]
  for (const stage of pipeline) {
    if (!isPlainDocument(stage) || Object.keys(stage).length !== 1)
      throw new CommandError(
        40323,
        'Location40323',
        'A pipeline stage specification object must contain exactly one field.',
      )
    const [name, argument] = Object.entries(stage)[0]!
    switch (name) {
      case '$match':
        out = out.filter((document) => matches(document, argument as Document))
        break
      case '$sort':
        out = sortDocuments(out, argument as Document)
        break
      case '$skip':
        out = out.slice(toNumber(argument))
        break
      case '$limit':
        out = out.slice(0, toNumber(argument))
        break
      case '$project':
        out = out.map((document) => project(document, argument as Document))
        break
      case '$count':
        out = out.length === 0 ? [] : [{ [String(argument)]: out.length }]
        break
      case '$group':
        out = group(out, argument as Document)
        break
      default:
        throw new CommandError(40324, 'Location40324', `Unrecognized pipeline stage name: '${name}'`)
    }
  }
  return out
}
