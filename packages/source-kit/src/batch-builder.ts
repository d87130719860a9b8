import type { CanonicalRecord, Checkpoint, Duplicate, Reject, SourceBatch } from '@ledgerport/core'

/** What mapping one source item gave: its records, or a reject, or a duplicate. */
export interface Mapped {
  readonly records?: ReadonlyArray<CanonicalRecord>
  readonly reject?: Reject
  readonly duplicate?: Duplicate
}

/** Collects mapped items into batches of about `size` records, rejects and duplicates. */
export class BatchBuilder {
  readonly #size: number
  #records: CanonicalRecord[] = []
  #rejects: Reject[] = []
  #duplicates: Duplicate[] = []

  constructor(size: number) {
    this.#size = Math.max(1, size)
  }

  /** Adds one item's outcome. */
  add(mapped: Mapped): void {
    if (mapped.records) for (const record of mapped.records) this.#records.push(record)
    if (mapped.reject) this.#rejects.push(mapped.reject)
    if (mapped.duplicate) this.#duplicates.push(mapped.duplicate)
  }

  /** Whether the batch has reached its size. */
  get full(): boolean {
    return this.#records.length + this.#rejects.length + this.#duplicates.length >= this.#size
  }

  /** Whether nothing was added since the last {@link take}. */
  get empty(): boolean {
    return this.#records.length + this.#rejects.length + this.#duplicates.length === 0
  }

  /** The batch so far, ending at `checkpoint`; starts a new one. */
  take(checkpoint: Checkpoint): SourceBatch {
    const batch: SourceBatch = {
      records: this.#records,
      checkpoint,
      ...(this.#rejects.length ? { rejects: this.#rejects } : {}),
      ...(this.#duplicates.length ? { duplicates: this.#duplicates } : {}),
    }
    this.#records = []
    this.#rejects = []
    this.#duplicates = []
    return batch
  }
}
