import { hash } from 'node:crypto'
import type { SqliteRow, SqliteValue } from './values.js'

/**
 * Bumped whenever the mapping of a row changes, so rows digested by an older mapping are mapped
 * again.
 */
const MAPPING_VERSION = 'freqtrade-1'
const SEPARATOR = '\u001f'
const NULL = '\u0000'

/**
 * The digest of a source row and whatever else its records are made of (`also`: a trade's custom
 * data rows, the exchange a wallet row is given): a one-shot SHA-1 of the values, with NULL, the
 * empty text and blobs told apart. Equal digests mean the row would map to the same records.
 */
export function rowDigest(
  row: ReadonlyArray<SqliteValue> | SqliteRow,
  also?: ReadonlyArray<SqliteRow> | string | null,
): string {
  let text = appendValues(MAPPING_VERSION, Array.isArray(row) ? row : Object.values(row))
  if (typeof also === 'string' || also === null) text += SEPARATOR + (also ?? NULL)
  else if (also) for (const other of also) text = appendValues(`${text}\u001e`, Object.values(other))
  return hash('sha1', text)
}

function appendValues(text: string, values: ReadonlyArray<SqliteValue | undefined>): string {
  let out = text
  for (const value of values) {
    out +=
      SEPARATOR +
      (value === null || value === undefined
        ? NULL
        : value instanceof Uint8Array
          ? `\u0002${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}`
          : typeof value === 'string'
            ? value
            : // Numbers and bigints: a REAL 1 and an INTEGER 1 map alike.
              `\u0001${value}`)
  }
  return out
}
