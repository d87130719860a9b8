import type { Document } from 'mongodb'
import { bsonKind, decimalOf, describeBson, instantOf, toRelaxedJson } from './bson-values.js'

/** A problem with one field of a document. */
export interface FieldIssue {
  readonly field: string
  readonly reason: string
}

/** Options of {@link DocumentFields.decimal}, {@link DocumentFields.instant} and {@link DocumentFields.text}. */
export interface FieldOptions {
  /** Missing or null is an issue. */
  readonly required?: boolean
  /** What the value is, for messages: `an email`, `the snapshot's total value`. */
  readonly what?: string
}

/**
 * Reads the fields of one MongoDB document for mapping. Collects every problem (field + reason) so a
 * bad document becomes one reject naming its fields, counts naive times, and remembers which fields
 * were taken, so {@link extra} returns all the others: nothing is lost.
 */
export class DocumentFields {
  readonly issues: FieldIssue[] = []
  /** Date strings without a zone, read in the time zone. */
  naiveTimes = 0
  readonly #document: Document
  readonly #timeZone: string
  readonly #used = new Set<string>(['_id'])

  constructor(document: Document, timeZone: string) {
    this.#document = document
    this.#timeZone = timeZone
  }

  /**
   * The first of `fields` that is present and not null (it is taken; the others stay for
   * {@link extra}). When none is, the first name stands for them, and a null there is taken.
   */
  first(fields: ReadonlyArray<string>): { field: string; value: unknown } | undefined {
    for (const field of fields) {
      const value = this.#document[field]
      if (value !== undefined && value !== null) {
        this.#used.add(field)
        return { field, value }
      }
    }
    this.#used.add(fields[0]!)
    return undefined
  }

  /** Text from the first present of `fields`: a string (trimmed; empty is missing). */
  text(fields: ReadonlyArray<string>, options: FieldOptions = {}): string | undefined {
    const found = this.first(fields)
    const field = found?.field ?? fields[0]!
    const value = found?.value
    if (value === undefined || (typeof value === 'string' && value.trim() === '')) {
      if (options.required) this.#missing(field, fields, options)
      return undefined
    }
    if (typeof value === 'string') return value.trim()
    this.issues.push({
      field,
      reason: `${describeBson(value)} is not ${options.what ?? 'text'} (${bsonKind(value)}); store it as a string`,
    })
    return undefined
  }

  /** An exact decimal string from the first present of `fields`. */
  decimal(fields: ReadonlyArray<string>, options: FieldOptions = {}): string | undefined {
    const found = this.first(fields)
    const field = found?.field ?? fields[0]!
    const read = decimalOf(found?.value)
    if ('value' in read) return read.value
    if ('issue' in read)
      this.issues.push({ field, reason: `${read.issue}; expected ${options.what ?? 'a number'}` })
    else if (options.required) this.#missing(field, fields, options)
    return undefined
  }

  /** A UTC instant from the first present of `fields`; naive times are read in the time zone and counted. */
  instant(fields: ReadonlyArray<string>, options: FieldOptions = {}): string | undefined {
    const found = this.first(fields)
    const field = found?.field ?? fields[0]!
    const read = instantOf(found?.value, this.#timeZone)
    if ('value' in read) {
      if (read.value.naive) this.naiveTimes++
      return read.value.instant
    }
    if ('issue' in read) this.issues.push({ field, reason: read.issue })
    else if (options.required) this.#missing(field, fields, options)
    return undefined
  }

  /** Puts a field taken by {@link first} back among those {@link extra} returns. */
  release(field: string): void {
    this.#used.delete(field)
  }

  /** Adds an issue. */
  issue(field: string, reason: string): void {
    this.issues.push({ field, reason })
  }

  /** Every field not taken, as relaxed Extended JSON (see `toRelaxedJson`), in document order. */
  extra(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [field, value] of Object.entries(this.#document)) {
      if (!this.#used.has(field)) out[field] = toRelaxedJson(value)
    }
    return out
  }

  #missing(field: string, fields: ReadonlyArray<string>, options: FieldOptions): void {
    const also = fields.length > 1 ? ` (nor ${fields.slice(1).join(', ')})` : ''
    this.issues.push({ field, reason: `is missing${also}; every document needs ${options.what ?? 'it'}` })
  }
}
