import * as crypto from 'node:crypto'

const sha1Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha1', text, 'hex')
    : (text) => crypto.createHash('sha1').update(text).digest('hex')

/**
 * The hash of a row's canonical content (hex SHA-1, 40 characters). It decides whether a re-run
 * rewrites a row, and `verify` sums it per table, so it must depend on the content only:
 * - key order does not matter (keys are sorted by UTF-16 code units);
 * - a `null` value and a missing key are the same;
 * - values are hashed as text: a number as `String(n)`, a boolean as `true`/`false`. So the number
 *   `42` and the string `"42"` hash the same, which is what an integer column needs (a safe integer is
 *   a number, a larger one its decimal string). Values are already normalised per column type, so a
 *   column never mixes a boolean with the text `"true"`. Decimal scale is content: `"1.50"` and
 *   `"1.5"` differ.
 *
 * The hashed text is `key\u0001value\u0002` per pair; `\u0001`, `\u0002` and `\u0003` inside keys or
 * values are escaped with `\u0003`, so no two different rows make the same text. Hashing is one-shot
 * `crypto.hash` where Node has it (≥ 20.12, 3× faster than `createHash`), else `createHash`.
 */
export function rowHash(values: Readonly<Record<string, string | number | boolean | null>>): string {
  const keys = Object.keys(values).sort()
  return hashPairs(
    values,
    keys,
    keys.map((key) => `${escapeControls(key)}\u0001`),
  )
}

/** The hashed text's key labels (`key\u0001`) of each sorted key list given to {@link rowHashOfKeys}. */
const keyLabels = new WeakMap<ReadonlyArray<string>, ReadonlyArray<string>>()

/**
 * {@link rowHash} over the given keys only, which must be sorted; for hot loops that hash many rows
 * of one table (the keys are the table's content columns, sorted once: pass the same array each
 * time). Same result as `rowHash` of an object holding just those keys.
 */
export function rowHashOfKeys(
  values: Readonly<Record<string, string | number | boolean | null | undefined>>,
  sortedKeys: ReadonlyArray<string>,
): string {
  let labels = keyLabels.get(sortedKeys)
  if (!labels) {
    labels = sortedKeys.map((key) => `${escapeControls(key)}\u0001`)
    keyLabels.set(sortedKeys, labels)
  }
  return hashPairs(values, sortedKeys, labels)
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0001–U+0003 are the hashed text's own separators.
const CONTROLS = /[\u0001-\u0003]/

function hashPairs(
  values: Readonly<Record<string, string | number | boolean | null | undefined>>,
  keys: ReadonlyArray<string>,
  labels: ReadonlyArray<string>,
): string {
  let text = ''
  for (let index = 0; index < keys.length; index++) {
    const value = values[keys[index]!]
    if (value === null || value === undefined) continue
    const valueText = typeof value === 'string' ? value : String(value)
    text += `${labels[index]}${CONTROLS.test(valueText) ? escapeControls(valueText) : valueText}\u0002`
  }
  return sha1Hex(text)
}

/** Prefixes the hashed text's control characters (U+0001 separator, U+0002 terminator, U+0003 escape) with U+0003. */
function escapeControls(text: string): string {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code >= 1 && code <= 3) {
      let escaped = text.slice(0, index)
      for (let rest = index; rest < text.length; rest++) {
        const char = text.charCodeAt(rest)
        if (char >= 1 && char <= 3) escaped += '\u0003'
        escaped += text[rest]
      }
      return escaped
    }
  }
  return text
}
