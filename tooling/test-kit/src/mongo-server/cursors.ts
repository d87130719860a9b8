import { calculateObjectSize, type Document, Long } from 'bson'
import { CommandError } from './command-error.js'

/** mongod's default size of a cursor's first batch. */
const DEFAULT_FIRST_BATCH = 101
/** A batch stops growing once it holds this many bytes of documents, as in mongod. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024

interface OpenCursor {
  readonly namespace: string
  readonly documents: ReadonlyArray<Document>
  position: number
}

/** The open cursors of a server: results of `find`, `aggregate` and `listCollections` read by `getMore`. */
export class CursorRegistry {
  readonly #cursors = new Map<bigint, OpenCursor>()
  #nextId = 7_000_000_001n

  /** How many cursors are open. */
  get size(): number {
    return this.#cursors.size
  }

  /**
   * The `cursor` reply of a command that returns `documents`: the first batch, and a cursor id to
   * read the rest with `getMore` (0 when there is no rest, or for `singleBatch`).
   */
  open(
    namespace: string,
    documents: ReadonlyArray<Document>,
    batchSize?: number,
    singleBatch = false,
  ): Document {
    const cursor: OpenCursor = { namespace, documents, position: 0 }
    const firstBatch = this.#take(cursor, batchSize ?? DEFAULT_FIRST_BATCH)
    let id = 0n
    if (!singleBatch && cursor.position < documents.length) {
      id = this.#nextId++
      this.#cursors.set(id, cursor)
    }
    return { cursor: { firstBatch, id: Long.fromBigInt(id), ns: namespace }, ok: 1 }
  }

  /**
   * The next batch of a cursor (`getMore`); the cursor closes when it is exhausted.
   *
   * @throws {CommandError} `CursorNotFound` (43) for an unknown or closed cursor, or one of another
   *   namespace.
   */
  more(id: bigint, namespace: string, batchSize?: number): Document {
    const cursor = this.#cursors.get(id)
    if (!cursor || cursor.namespace !== namespace)
      throw new CommandError(43, 'CursorNotFound', `cursor id ${id} not found`)
    const nextBatch = this.#take(cursor, batchSize ?? Number.POSITIVE_INFINITY)
    const done = cursor.position >= cursor.documents.length
    if (done) this.#cursors.delete(id)
    return { cursor: { nextBatch, id: Long.fromBigInt(done ? 0n : id), ns: namespace }, ok: 1 }
  }

  /** Closes cursors (`killCursors`); returns which were open and which were not. */
  kill(ids: ReadonlyArray<bigint>): { killed: bigint[]; notFound: bigint[] } {
    const killed: bigint[] = []
    const notFound: bigint[] = []
    for (const id of ids) (this.#cursors.delete(id) ? killed : notFound).push(id)
    return { killed, notFound }
  }

  /** Closes every cursor. */
  clear(): void {
    this.#cursors.clear()
  }

  #take(cursor: OpenCursor, limit: number): Document[] {
    const batch: Document[] = []
    let bytes = 0
    while (batch.length < limit && cursor.position < cursor.documents.length) {
      const document = cursor.documents[cursor.position]!
      bytes += calculateObjectSize(document)
      if (batch.length > 0 && bytes > MAX_BATCH_BYTES) break
      batch.push(document)
      cursor.position++
    }
    return batch
  }
}
