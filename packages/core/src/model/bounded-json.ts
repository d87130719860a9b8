/**
 * The deepest nesting of arrays and objects ledgerport stores or writes: the same limit as
 * source-kit's `MAX_JSON_DEPTH`, which every source parses with. {@link canonicalJson} refuses a
 * value nested deeper (the engine rejects its record, naming where), and {@link boundedJson} writes
 * what lies deeper as a note, so no value can overflow the stack.
 */
export const MAX_CANONICAL_JSON_DEPTH = 256

/** What {@link boundedJson} writes in place of a value nested deeper than its limit. */
export const TOO_DEEP_NOTE = `[left out: nested deeper than ${MAX_CANONICAL_JSON_DEPTH} levels]`

/**
 * JSON text of any value that never throws and never overflows the stack, for diagnostics (the
 * rejects file, reject reasons): like `JSON.stringify` (with `toJSON`, dropping functions and
 * `undefined` in objects, NaN and ±Infinity as `null`), but bigints are their decimal text, a cycle is
 * `"[circular]"`, and what is nested deeper than `maxDepth` levels is {@link TOO_DEEP_NOTE}.
 *
 * ```ts
 * boundedJson({ a: 1n, b: [NaN] }) // '{"a":"1","b":[null]}'
 * ```
 */
export function boundedJson(value: unknown, maxDepth = MAX_CANONICAL_JSON_DEPTH): string {
  return JSON.stringify(bounded(value, 0, maxDepth, new Set())) ?? 'null'
}

/** A copy of `value` that `JSON.stringify` writes within `maxDepth` levels. */
function bounded(value: unknown, depth: number, maxDepth: number, ancestors: Set<object>): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value === null || typeof value !== 'object') return value
  const object = value as object
  if (ancestors.has(object)) return '[circular]'
  const toJSON = (object as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') {
    let replaced: unknown
    try {
      replaced = toJSON.call(object)
    } catch {
      return Object.prototype.toString.call(object)
    }
    if (replaced === null || typeof replaced !== 'object')
      return bounded(replaced, depth, maxDepth, ancestors)
    ancestors.add(object)
    try {
      return bounded(replaced, depth, maxDepth, ancestors)
    } finally {
      ancestors.delete(object)
    }
  }
  if (depth >= maxDepth) return TOO_DEEP_NOTE
  ancestors.add(object)
  try {
    if (Array.isArray(object)) {
      const out = new Array<unknown>(object.length)
      for (let index = 0; index < object.length; index++)
        out[index] = bounded(object[index], depth + 1, maxDepth, ancestors)
      return out
    }
    // No prototype: a `__proto__` key stays an ordinary key.
    const out: Record<string, unknown> = Object.create(null)
    for (const key of Object.keys(object))
      out[key] = bounded((object as Record<string, unknown>)[key], depth + 1, maxDepth, ancestors)
    return out
  } finally {
    ancestors.delete(object)
  }
}

/** A JSON path cut to `max` characters (`…` in the middle), for messages about deep values. */
export function shortPath(path: string, max = 120): string {
  return path.length <= max ? path : `${path.slice(0, max / 2)}…${path.slice(-max / 2)}`
}
