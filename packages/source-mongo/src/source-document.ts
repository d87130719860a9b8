import type { EntityName, Reject, SourceLocation } from '@ledgerport/core'
import { type FieldIssue, formatIssues } from '@ledgerport/source-kit'
import type { Document } from 'mongodb'
import { toRelaxedJson } from './bson-values.js'

/** One document read from a server or a mongoexport file, with where it came from. */
export interface SourceDocument {
  /** The document; absent when the file's text is not one. */
  readonly document?: Document
  /** Why the text could not be read as a document (invalid JSON, a malformed wrapper, not an object). */
  readonly unreadable?: string
  /** The raw text of an unreadable one (cut to 1000 characters). */
  readonly text?: string
  /** Collection and `_id`; for a file also the file and line. */
  readonly location: SourceLocation
  /** The location in words, starting every reject reason: `users _id=ObjectId("…")`, `export/users.json line 12`. */
  readonly label: string
}

/** Raw documents larger than this (as JSON) are not copied into rejects. */
const MAX_RAW_CHARS = 16_384

/** The document as relaxed Extended JSON for a reject's `raw`, unless it is too large to keep. */
export function rawOf(source: SourceDocument): unknown {
  if (!source.document) return source.text
  const raw = toRelaxedJson(source.document)
  const size = JSON.stringify(raw, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  ).length
  return size <= MAX_RAW_CHARS ? raw : undefined
}

/**
 * One reject for a document: located at its first bad field, with every bad field in the reason,
 * e.g. `users _id=ObjectId("…") email: is missing; …`.
 */
export function rejectOf(
  source: SourceDocument,
  entity: EntityName,
  issues: ReadonlyArray<FieldIssue>,
): Reject {
  const first = issues[0]!
  const raw = rawOf(source)
  return {
    entity,
    location: source.location,
    field: first.field,
    reason: `${source.label} ${formatIssues(issues)}`,
    ...(raw !== undefined ? { raw } : {}),
  }
}

/** The reject of a file's text that is not a document. */
export function unreadableReject(source: SourceDocument, entity: EntityName): Reject {
  return {
    entity,
    location: source.location,
    reason: `${source.label}: ${source.unreadable ?? 'not a document'}; fix or remove it and run again`,
    ...(source.text !== undefined ? { raw: source.text } : {}),
  }
}
