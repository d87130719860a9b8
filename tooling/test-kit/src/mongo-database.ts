import { randomBytes } from 'node:crypto'
import type { Document } from 'bson'
import { MongoClient } from 'mongodb'
import type { MongoFixture } from './fixtures/mongo.js'
import { type MongoTestServer, startMongoServer } from './mongo-server/index.js'

/** A scratch MongoDB database, on a real server (`MONGODB_URL`) or on the in-memory test server. */
export interface MongoTestDatabase {
  /** Its connection string, `mongodb://host:port/NAME` (with the server URL's credentials and options). */
  readonly url: string
  /** The database name. */
  readonly name: string
  /** The in-memory test server, when `MONGODB_URL` is not set. */
  readonly server?: MongoTestServer
  /** Inserts documents with the real `mongodb` driver. */
  insert(collection: string, documents: ReadonlyArray<Document>): Promise<void>
  /** Inserts a fixture: users, portfoliosnapshots and its other collections. */
  load(fixture: MongoFixture): Promise<void>
  /** Drops the database and closes the client (and the test server). */
  drop(): Promise<void>
}

/**
 * `mongodb://user:pw@host:port/DB?opts` with its path replaced by `/NAME` (host lists and `+srv`
 * kept). With credentials and no `authSource`, the original database (else `admin`) stays the one
 * the user authenticates against, as it was before the path changed.
 */
export function mongoUrlWithDatabase(url: string, name: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/([^/?]*))(?:\/([^?]*))?(?:\?(.*))?$/.exec(url)
  if (!match) throw new Error('MONGODB_URL must be a mongodb:// or mongodb+srv:// connection string.')
  const [, prefix, authority, database, query] = match
  const params = query ? query.split('&') : []
  if (authority!.includes('@') && !params.some((param) => /^authSource=/i.test(param)))
    params.push(`authSource=${database || 'admin'}`)
  return `${prefix}/${name}${params.length ? `?${params.join('&')}` : ''}`
}

/**
 * A fresh database with a random name: on the MongoDB server of `MONGODB_URL` when it is set, else
 * on a new in-memory test server ({@link startMongoServer}) that the real driver talks to over TCP.
 * Fixtures are inserted through the real driver either way.
 */
export async function createMongoDatabase(prefix = 'lp_test'): Promise<MongoTestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`
  const server = process.env.MONGODB_URL ? undefined : await startMongoServer()
  const url = mongoUrlWithDatabase(process.env.MONGODB_URL ?? server!.url, name)
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 })
  const insert = async (collection: string, documents: ReadonlyArray<Document>): Promise<void> => {
    if (documents.length === 0) await client.db(name).createCollection(collection)
    // Copies: the driver adds `_id` to documents that have none.
    else
      await client
        .db(name)
        .collection(collection)
        .insertMany(documents.map((document) => ({ ...document })))
  }
  return {
    url,
    name,
    ...(server ? { server } : {}),
    insert,
    load: async (fixture) => {
      await insert('users', fixture.users)
      await insert('portfoliosnapshots', fixture.portfoliosnapshots)
      for (const [collection, documents] of Object.entries(fixture.others))
        await insert(collection, documents)
    },
    drop: async () => {
      try {
        await client.db(name).dropDatabase()
      } finally {
        await client.close()
        await server?.close()
      }
    },
  }
}
