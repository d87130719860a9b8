import { type FieldOptions, FieldReader, type FieldValue, MISSING } from '@ledgerport/source-kit'
import type { Document } from 'mongodb'
import { bsonKind, decimalOf, describeBson, instantOf, toRelaxedJson } from './bson-values.js'

/**
 * The kit's {@link FieldReader} for one MongoDB document, with the BSON conversions: text, exact
 * decimals from any BSON number or money text, and instants from BSON dates, date strings, epochs
 * and Timestamps. `_id` counts as taken (it is the source key); naive times are counted for the
 * engine; {@link extra} gives every other field as relaxed Extended JSON: nothing is lost.
 */
export class DocumentFields extends FieldReader<unknown> {
  /** Date strings without a zone, read in the time zone. */
  naiveTimes = 0
  readonly #timeZone: string

  constructor(document: Document, timeZone: string) {
    super(document, { noun: 'document', taken: ['_id'] })
    this.#timeZone = timeZone
  }

  /** Text from the first present of `fields`: a string (trimmed; empty is missing). */
  text(fields: ReadonlyArray<string>, options: FieldOptions = {}): string | undefined {
    return this.read(fields, (value) => bsonText(value, options.what ?? 'text'), options)
  }

  /** An exact decimal string from the first present of `fields`. */
  decimal(fields: ReadonlyArray<string>, options: FieldOptions = {}): string | undefined {
    return this.read(
      fields,
      (value) => {
        const read = decimalOf(value)
        return 'issue' in read ? { issue: `${read.issue}; expected ${options.what ?? 'a number'}` } : read
      },
      options,
    )
  }

  /** A UTC instant from the first present of `fields`; naive times are read in the time zone and counted. */
  instant(fields: ReadonlyArray<string>, options: FieldOptions = {}): string | undefined {
    const read = this.read(fields, (value) => instantOf(value, this.#timeZone), options)
    if (read?.naive) this.naiveTimes++
    return read?.instant
  }

  /** Every field not taken, as relaxed Extended JSON (see `toRelaxedJson`), in document order. */
  extra(): Record<string, unknown> {
    return this.rest(toRelaxedJson)
  }
}

function bsonText(value: unknown, what: string): FieldValue<string> {
  if (typeof value === 'string') return value.trim() === '' ? MISSING : { value: value.trim() }
  return { issue: `${describeBson(value)} is not ${what} (${bsonKind(value)}); store it as a string` }
}
