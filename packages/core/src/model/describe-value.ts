import { boundedJson } from './bounded-json.js'

const MAX_LENGTH = 60

/**
 * A short, human rendering of any value for error messages and reject reasons: strings quoted
 * (`"12abc"`), numbers and bigints as written, `Date(…)`, objects as compact JSON; long renderings
 * are cut at 60 characters with `…`.
 *
 * ```ts
 * describeValue('abc') // '"abc"'
 * describeValue({ a: 1 }) // '{"a":1}'
 * ```
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > MAX_LENGTH ? `${value.slice(0, MAX_LENGTH)}…` : value)
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
    case 'symbol':
      return String(value)
    case 'function':
      return 'a function'
  }
  if (value === null) return 'null'
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'Date(Invalid Date)' : `Date(${value.toISOString()})`
  }
  // Only the first characters are shown: a few levels are enough, and a deep value cannot overflow.
  let text: string | undefined
  try {
    text = boundedJson(value, 8)
  } catch {
    text = undefined
  }
  if (text === undefined || text === 'null') text = Object.prototype.toString.call(value)
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}…` : text
}
