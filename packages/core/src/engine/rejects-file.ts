import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { dirname } from 'node:path'
import type { Reject } from '../model/canonical-record.js'

/** Appends rejects to a JSONL file, one object per line, created on the first reject. */
export class RejectsFile {
  readonly path: string
  #stream: WriteStream | undefined
  #count = 0

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
    const lines = rejects.map((reject) =>
      JSON.stringify({ run_id: runId, source, ...reject }, (_key, value) =>
        typeof value === 'bigint' ? value.toString() : value,
      ),
    )
    this.#stream.write(`${lines.join('\n')}\n`)
    this.#count += rejects.length
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
