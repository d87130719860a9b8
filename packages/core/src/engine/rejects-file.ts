import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { dirname } from 'node:path'
import { boundedJson, MAX_CANONICAL_JSON_DEPTH } from '../model/bounded-json.js'
import type { Duplicate, Reject } from '../model/canonical-record.js'

/**
 * Appends rejects to a JSONL file, one object per line, created on the first reject. Lines are
 * written with `boundedJson`: whatever a reject's `raw` holds, writing it never throws.
 */
export class RejectsFile {
  readonly path: string
  #stream: WriteStream | undefined
  #count = 0
  #duplicates = 0

  constructor(path: string) {
    this.path = path
  }

  /** How many rejects were written. */
  get count(): number {
    return this.#count
  }

  /** Appends rejects of one committed batch. */
  write(runId: string, source: string, rejects: ReadonlyArray<Reject>): void {
    if (rejects.length === 0) return
    if (!this.#stream) {
      mkdirSync(dirname(this.path), { recursive: true })
      this.#stream = createWriteStream(this.path, { flags: 'a' })
    }
    // Bounded: a raw record nested 20,000 levels deep is written with its deep part left out, not a
    // stack overflow; bigints are their decimal text.
    // The line is one level; its `raw` keeps MAX_CANONICAL_JSON_DEPTH levels.
    const lines = rejects.map((reject) =>
      boundedJson({ run_id: runId, source, ...reject }, MAX_CANONICAL_JSON_DEPTH + 1),
    )
    this.#stream.write(`${lines.join('\n')}\n`)
    this.#count += rejects.length
  }

  /**
   * Appends the duplicates of one committed batch as lines of `kind: "duplicate"`, with the skipped
   * record's `location`, the kept one's (`kept`, when known) and the `reason` naming it.
   */
  writeDuplicates(runId: string, source: string, stream: string, duplicates: ReadonlyArray<Duplicate>): void {
    if (duplicates.length === 0) return
    if (!this.#stream) {
      mkdirSync(dirname(this.path), { recursive: true })
      this.#stream = createWriteStream(this.path, { flags: 'a' })
    }
    const lines = duplicates.map((duplicate) =>
      boundedJson(
        { run_id: runId, source, kind: 'duplicate', stream, ...duplicate },
        MAX_CANONICAL_JSON_DEPTH + 1,
      ),
    )
    this.#stream.write(`${lines.join('\n')}\n`)
    this.#duplicates += duplicates.length
  }

  /** How many duplicates were written. */
  get duplicates(): number {
    return this.#duplicates
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    const stream = this.#stream
    if (!stream) return
    await new Promise<void>((resolve, reject) =>
      stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    )
  }
}
