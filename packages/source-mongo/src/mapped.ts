import type { CanonicalRecord, Duplicate, Reject } from '@ledgerport/core'

/** What mapping one document gave: a record, or a reject, or a duplicate. */
export interface Mapped {
  readonly record?: CanonicalRecord
  readonly reject?: Reject
  readonly duplicate?: Duplicate
}
