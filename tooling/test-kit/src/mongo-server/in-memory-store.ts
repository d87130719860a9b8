import { type Binary, type Document, deserialize, ObjectId, serialize, UUID } from 'bson'
import { bsonTag } from './bson-order.js'

/** One collection: its documents in insertion (natural) order. */
export interface StoredCollection {
  readonly name: string
  readonly uuid: Binary
  readonly documents: Document[]
  /** `_id` keys of its documents, for the unique `_id_` index. */
  readonly ids: Set<string>
}

/** Decoding that keeps every BSON type as it was sent (Int32, Double and Int64 stay distinct). */
const KEEP_TYPES = {
  promoteValues: false,
  promoteLongs: false,
  promoteBuffers: false,
  bsonRegExp: true,
} as const

/** A key equal for `_id` values MongoDB's unique index treats as equal (`1`, `1.0` and `1n` are one). */
export function idKey(id: unknown): string {
  if (typeof id === 'string') return `s:${id}`
  const tag = bsonTag(id)
  if (tag === 'ObjectId') return `o:${(id as ObjectId).toHexString()}`
  if (
    typeof id === 'number' ||
    typeof id === 'bigint' ||
    tag === 'Int32' ||
    tag === 'Double' ||
    tag === 'Long'
  )
    return `n:${String(typeof id === 'object' ? (id as { valueOf(): unknown }).valueOf() : id)}`
  return `b:${Buffer.from(serialize({ id })).toString('hex')}`
}

/** The in-memory databases of a test server: database → collection → documents. */
export class InMemoryStore {
  readonly #databases = new Map<string, Map<string, StoredCollection>>()

  /** Database names, sorted. */
  databaseNames(): string[] {
    return [...this.#databases.keys()].filter((name) => this.#databases.get(name)!.size > 0).sort()
  }

  /** The collections of a database, in creation order. */
  collections(database: string): StoredCollection[] {
    return [...(this.#databases.get(database)?.values() ?? [])]
  }

  /** A collection, or `undefined` when it does not exist. */
  find(database: string, name: string): StoredCollection | undefined {
    return this.#databases.get(database)?.get(name)
  }

  /** A collection, created (empty) when missing. */
  ensure(database: string, name: string): StoredCollection {
    let collections = this.#databases.get(database)
    if (!collections) {
      collections = new Map()
      this.#databases.set(database, collections)
    }
    let collection = collections.get(name)
    if (!collection) {
      collection = { name, uuid: new UUID(), documents: [], ids: new Set() }
      collections.set(name, collection)
    }
    return collection
  }

  /**
   * Inserts documents as `insert` does: `_id` becomes the first field (an ObjectId when missing), and a
   * document whose `_id` is already there is refused. Each stored document is a deep copy, decoded
   * with its BSON types intact. Returns the index and `_id` of each refused document.
   */
  insert(
    database: string,
    name: string,
    documents: ReadonlyArray<Document>,
    ordered = true,
  ): { inserted: number; duplicates: Array<{ index: number; id: unknown }> } {
    const collection = this.ensure(database, name)
    const duplicates: Array<{ index: number; id: unknown }> = []
    let inserted = 0
    for (const [index, document] of documents.entries()) {
      // mongod stores `_id` as the first field, wherever the client put it.
      const withId = { _id: '_id' in document ? document._id : new ObjectId(), ...document }
      const stored = deserialize(serialize(withId), KEEP_TYPES)
      const key = idKey(stored._id)
      if (collection.ids.has(key)) {
        duplicates.push({ index, id: stored._id })
        if (ordered) break
        continue
      }
      collection.ids.add(key)
      collection.documents.push(stored)
      inserted++
    }
    return { inserted, duplicates }
  }

  /** Deletes the documents `test` selects; at most one when `justOne`. Returns how many. */
  delete(database: string, name: string, test: (document: Document) => boolean, justOne: boolean): number {
    const collection = this.find(database, name)
    if (!collection) return 0
    let deleted = 0
    for (let index = 0; index < collection.documents.length; index++) {
      const document = collection.documents[index]!
      if (!test(document)) continue
      collection.documents.splice(index--, 1)
      collection.ids.delete(idKey(document._id))
      deleted++
      if (justOne) break
    }
    return deleted
  }

  /** Drops a collection; false when it did not exist. */
  drop(database: string, name: string): boolean {
    return this.#databases.get(database)?.delete(name) ?? false
  }

  /** Drops a database with all its collections. */
  dropDatabase(database: string): void {
    this.#databases.delete(database)
  }
}
