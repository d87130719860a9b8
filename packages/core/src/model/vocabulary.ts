const normalisedTables = new WeakMap<object, Map<string, string>>()

/**
 * Maps a source's status or type to a canonical vocabulary value with a mapping table, ignoring case
 * and separators: `PartiallyFilled`, `partially_filled`, `PARTIALLY FILLED` and `partially-filled` all
 * match the key `partially_filled` (keys and raw values are both reduced to their lowercase letters and
 * digits). Numbers, bigints and booleans are looked up by their text.
 *
 * ```ts
 * const BYBIT_STATUS = { new: 'open', partially_filled: 'open', filled: 'filled', cancelled: 'cancelled' } as const
 * mapVocabulary('PartiallyFilled', BYBIT_STATUS) // { value: 'open', sourceStatus: 'PartiallyFilled', known: true }
 * mapVocabulary('Weird', BYBIT_STATUS, { fallback: 'pending' }) // { value: 'pending', sourceStatus: 'Weird', known: false }
 * ```
 *
 * Returns `value`: the canonical value, else `options.fallback` (or `null`) when the table does not
 * know the raw value; `known`: whether it did; `sourceStatus`: the raw value as text, for the
 * `source_status` / `source_type` column, unchanged, (strings as they are, others via `String`, objects
 * as JSON). `null`, `undefined` and blank text give `{ value: null, sourceStatus: null, known: false }`.
 *
 * @throws {Error} when two keys of `table` are the same once normalised but map to different values.
 */
export function mapVocabulary<T extends string>(
  raw: unknown,
  table: Readonly<Record<string, T>>,
  options?: { fallback?: T },
): { value: T | null; sourceStatus: string | null; known: boolean } {
  const sourceStatus = rawText(raw)
  if (sourceStatus === null || sourceStatus.trim() === '')
    return { value: null, sourceStatus: null, known: false }
  const value = lookupTable(table).get(normaliseKey(sourceStatus)) as T | undefined
  if (value !== undefined) return { value, sourceStatus, known: true }
  return { value: options?.fallback ?? null, sourceStatus, known: false }
}

function rawText(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null
  if (typeof raw === 'string') return raw
  if (typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'boolean') return String(raw)
  try {
    return JSON.stringify(raw) ?? String(raw)
  } catch {
    return String(raw)
  }
}

function normaliseKey(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '')
}

function lookupTable(table: Readonly<Record<string, string>>): Map<string, string> {
  let map = normalisedTables.get(table)
  if (map) return map
  map = new Map()
  for (const [key, value] of Object.entries(table)) {
    const normalised = normaliseKey(key)
    const existing = map.get(normalised)
    if (existing !== undefined && existing !== value) {
      throw new Error(
        `Vocabulary table keys collide: ${JSON.stringify(key)} is the same as another key once case and separators are ignored, but maps to ${JSON.stringify(value)} instead of ${JSON.stringify(existing)}.`,
      )
    }
    map.set(normalised, value)
  }
  normalisedTables.set(table, map)
  return map
}
