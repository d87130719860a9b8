import { type Checkpoint, redactSecrets, redactUrl, urlSecrets } from '@ledgerport/core'
import { MAX_JSON_DEPTH } from '@ledgerport/source-kit'
import { BSON, type Db, type Document, MongoClient } from 'mongodb'
import { idLabel } from './bson-values.js'
import type { CollectionInfo, DocumentBatch, DocumentReader } from './document-reader.js'
import type { SourceDocument } from './source-document.js'

/** How documents are decoded: Int64 as bigint and Decimal128 as is, so no number goes through a double. */
const DECODE = { useBigInt64: true, promoteBuffers: false, bsonRegExp: true } as const

/** The database name in a connection string's path (`mongodb://host/trading?…` → `trading`), if any. */
export function databaseOfUrl(url: string): string | undefined {
  const path = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/i.exec(url)?.[1]
  return path ? decodeURIComponent(path) : undefined
}

/** A server checkpoint: the `_id` read last, as canonical Extended JSON (keeps its BSON type). */
interface ServerPosition {
  readonly after: unknown
}

function positionOf(from: Checkpoint | undefined): ServerPosition | undefined {
  if (from && typeof from === 'object' && !Array.isArray(from) && 'after' in from)
    return { after: BSON.EJSON.deserialize({ id: from.after } as Document, { relaxed: false }).id }
  return undefined
}

function canonicalId(id: unknown): string {
  return BSON.EJSON.stringify({ id } as Document, { relaxed: false })
}

/**
 * Reads collections from a MongoDB server with the `mongodb` driver: each collection in `_id`
 * order, through one cursor in batches. A checkpoint is the last `_id` read; reading resumes with
 * the `_id` index scanned from it (`hint` + `min`, not `$gt`, which only matches `_id`s of the same
 * BSON type: a collection with string and ObjectId `_id`s would lose the ObjectIds after a string).
 * Only reads; the password never appears in what it says or throws.
 */
export class ServerReader implements DocumentReader {
  readonly display: string
  readonly noun = 'collection'
  readonly #client: MongoClient
  readonly #db: Db
  readonly #database: string
  readonly #secrets: string[]
  #connected: Promise<void> | undefined

  private constructor(url: string, database: string) {
    this.#secrets = urlSecrets(url)
    this.#database = database
    const withoutDatabase = redactUrl(url).replace(
      /^(mongodb(?:\+srv)?:\/\/[^/?]*)(?:\/[^?]*)?(\?.*)?$/i,
      '$1',
    )
    this.display = `${withoutDatabase}/${database}`
    try {
      this.#client = new MongoClient(url, {
        appName: 'ledgerport',
        // Fail in seconds, not the driver's 30 s, when nothing answers (unless the URL says otherwise).
        ...(/[?&]serverSelectionTimeoutMS=/i.test(url) ? {} : { serverSelectionTimeoutMS: 15_000 }),
      })
    } catch (error) {
      throw this.#error(error, 'is not a valid MongoDB connection string')
    }
    this.#db = this.#client.db(database)
  }

  /**
   * A reader for `database` (default: the URL's) on the server of `url`. Connects on first use.
   *
   * @throws {Error} when no database is named, or the URL is not a MongoDB connection string
   *   (the message never holds the password).
   */
  static create(url: string, database?: string): ServerReader {
    const name = database ?? databaseOfUrl(url)
    if (!name)
      throw new Error(
        `${redactUrl(url)} names no database: add it to the URL (mongodb://host:27017/NAME) or pass --database NAME.`,
      )
    return new ServerReader(url, name)
  }

  /** The database's collections (views and `system.*` left out), with estimated counts, by name. */
  async collections(): Promise<ReadonlyArray<CollectionInfo>> {
    await this.#connect()
    try {
      const listed = await this.#db.listCollections({}, { nameOnly: true }).toArray()
      const infos: CollectionInfo[] = []
      for (const { name, type } of listed) {
        if (name.startsWith('system.') || (type !== undefined && type !== 'collection')) continue
        const documents = await this.#db.collection(name).estimatedDocumentCount()
        infos.push({ name, location: `${this.#database}.${name}`, documents })
      }
      return infos.sort((a, b) => (a.name < b.name ? -1 : 1))
    } catch (error) {
      throw this.#error(error, 'cannot list its collections')
    }
  }

  /** A collection in `_id` order, in batches, after the checkpoint's `_id` when given. */
  async *read(
    collection: string,
    from: Checkpoint | undefined,
    batchSize: number,
  ): AsyncGenerator<DocumentBatch> {
    await this.#connect()
    const start = positionOf(from)
    const startId = start ? canonicalId(start.after) : undefined
    const cursor = this.#db.collection(collection).find(
      {},
      {
        ...DECODE,
        sort: { _id: 1 },
        batchSize: Math.max(1, batchSize),
        ...(start ? { hint: { _id: 1 }, min: { _id: start.after } } : {}),
      },
    )
    let documents: SourceDocument[] = []
    let last: unknown
    let first = true
    try {
      for await (const document of cursor) {
        // The scan starts at the checkpoint's `_id` itself (min is inclusive), which was read before.
        if (first && startId !== undefined && canonicalId(document._id) === startId) {
          first = false
          continue
        }
        first = false
        documents.push(this.#sourceDocument(collection, document))
        last = document._id
        if (documents.length >= batchSize) {
          yield {
            documents,
            checkpoint: { after: BSON.EJSON.serialize({ id: last } as Document, { relaxed: false }).id },
          }
          documents = []
        }
      }
    } catch (error) {
      throw this.#error(error, `cannot read ${collection}`)
    } finally {
      await cursor.close().catch(() => {})
    }
    if (documents.length)
      yield {
        documents,
        checkpoint: { after: BSON.EJSON.serialize({ id: last } as Document, { relaxed: false }).id },
      }
  }

  /** The users' `_id`, `firebaseUid` and `firebase_uid`. */
  async *users(): AsyncGenerator<Document> {
    await this.#connect()
    try {
      yield* this.#db
        .collection('users')
        .find({}, { ...DECODE, projection: { _id: 1, firebaseUid: 1, firebase_uid: 1 }, sort: { _id: 1 } })
    } catch (error) {
      throw this.#error(error, 'cannot read users')
    }
  }

  /** `countDocuments`: exact, for `verify`. */
  async count(collection: string): Promise<number> {
    await this.#connect()
    try {
      return await this.#db.collection(collection).countDocuments()
    } catch (error) {
      throw this.#error(error, `cannot count ${collection}`)
    }
  }

  /** Closes the client and its connections. */
  async close(): Promise<void> {
    await this.#client.close()
  }

  #sourceDocument(collection: string, document: Document): SourceDocument {
    const key = `_id=${idLabel(document._id)}`
    const location = { table: collection, key }
    const label = `${collection} ${key}`
    // As deep as a mongoexport file may be (MAX_JSON_DEPTH), so mapping it cannot overflow the stack.
    if (nestedDeeperThan(document, MAX_JSON_DEPTH))
      return {
        unreadable: `a document nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects, the most ledgerport reads (MAX_JSON_DEPTH)`,
        location,
        label,
      }
    return { document, location, label }
  }

  #connect(): Promise<void> {
    this.#connected ??= this.#client.connect().then(
      () => undefined,
      (error: unknown) => {
        this.#connected = undefined
        throw this.#error(error, 'cannot be reached')
      },
    )
    return this.#connected
  }

  /** An error about the server, with every secret of the URL replaced by `***`. */
  #error(error: unknown, what: string): Error {
    const message = error instanceof Error ? error.message : String(error)
    return new Error(redactSecrets(`MongoDB ${this.display} ${what}: ${message}`, this.#secrets))
  }
}

/** Whether a decoded document nests arrays and objects deeper than `max` levels (it is level 1); without recursion. */
function nestedDeeperThan(document: Document, max: number): boolean {
  const stack: Array<{ value: object; depth: number }> = [{ value: document, depth: 1 }]
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (next.depth > max) return true
    const items = Array.isArray(next.value) ? next.value : Object.values(next.value)
    for (const item of items) if (isContainer(item)) stack.push({ value: item, depth: next.depth + 1 })
  }
  return false
}

/** A plain object or array (not a BSON value such as ObjectId or Binary, a Date or bytes). */
function isContainer(value: unknown): value is object {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Date) &&
    !ArrayBuffer.isView(value) &&
    !('_bsontype' in value)
  )
}
