import type { AddressInfo } from 'node:net'
import { createServer, type Server, type Socket } from 'node:net'
import { type Document, deserialize, serialize } from 'bson'
import { type CommandContext, runCommand } from './commands.js'
import { CursorRegistry } from './cursors.js'
import { InMemoryStore } from './in-memory-store.js'
import { type CommandRequest, decodeRequest, encodeReply, readHeader } from './wire-protocol.js'

/** Options of {@link startMongoServer}. */
export interface MongoServerOptions {
  /** Port to listen on; default 0 (a free one). The host is always 127.0.0.1. */
  readonly port?: number
}

/** One command the server received, for tests that check what the driver sent. */
export interface ReceivedCommand {
  /** The command's name (its first key): `find`, `getMore`, `hello`… */
  readonly name: string
  readonly database: string
  /** The command document, decoded as drivers do (for `insert`, `documents` is replaced by their count). */
  readonly command: Document
  /** It came as an OP_QUERY (the driver's first handshake). */
  readonly legacy: boolean
}

/** A running server started by {@link startMongoServer}. */
export interface MongoTestServer {
  /** `mongodb://127.0.0.1:PORT`: append `/DATABASE` for a driver's connection string. */
  readonly url: string
  readonly port: number
  /** Every command received so far, in order. */
  readonly commands: ReadonlyArray<ReceivedCommand>
  /** How many cursors are open (not exhausted, not killed). */
  readonly openCursors: number
  /** How many client connections are open. */
  readonly connections: number
  /** Inserts documents directly (no driver); a document with an `_id` already there is an error. */
  insert(database: string, collection: string, documents: ReadonlyArray<Document>): void
  /** The stored documents of a collection, in natural (insertion) order, as decoded BSON. */
  documents(database: string, collection: string): Document[]
  /** Drops a database (or only one of its collections). */
  drop(database: string, collection?: string): void
  /** Closes every connection and stops listening. */
  close(): Promise<void>
}

/**
 * Starts an in-memory MongoDB test server on 127.0.0.1 that real drivers (the `mongodb` package)
 * talk to over TCP: the wire protocol's OP_MSG (and OP_QUERY/OP_REPLY for the first handshake),
 * BSON bodies, and the commands a reading client and a fixture loader send — `hello`, `ping`,
 * `buildInfo`, `getParameter`, `endSessions`, `listDatabases`, `listCollections`, `find` (filter,
 * sort, projection, skip, limit, batchSize, `hint`/`min`/`max` on `_id`), `getMore`, `killCursors`,
 * `count`, `aggregate` (what `countDocuments` sends), `insert`, `delete`, `create`, `drop`,
 * `dropDatabase`. Other commands fail with `CommandNotFound` (59); authentication always fails
 * (`AuthenticationFailed`, 18), so a URL with a password gets the error a wrong password gets.
 * Standalone topology, no sessions state, no transactions.
 *
 * @example
 * const server = await startMongoServer()
 * server.insert('trading', 'users', [{ _id: new ObjectId(), email: 'a@example.com' }])
 * const client = new MongoClient(`${server.url}/trading`)
 * await client.db().collection('users').find().toArray()
 * await client.close()
 * await server.close()
 */
export async function startMongoServer(options: MongoServerOptions = {}): Promise<MongoTestServer> {
  const server = new MongoWireServer()
  await server.listen(options.port ?? 0)
  return server
}

class MongoWireServer implements MongoTestServer {
  readonly #store = new InMemoryStore()
  readonly #cursors = new CursorRegistry()
  readonly #sockets = new Set<Socket>()
  readonly #received: ReceivedCommand[] = []
  readonly #server: Server
  #nextConnectionId = 1
  #nextRequestId = 1
  #port = 0

  constructor() {
    this.#server = createServer((socket) => this.#accept(socket))
  }

  get url(): string {
    return `mongodb://127.0.0.1:${this.#port}`
  }

  get port(): number {
    return this.#port
  }

  get commands(): ReadonlyArray<ReceivedCommand> {
    return this.#received
  }

  get openCursors(): number {
    return this.#cursors.size
  }

  get connections(): number {
    return this.#sockets.size
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject)
        resolve()
      })
    })
    this.#port = (this.#server.address() as AddressInfo).port
  }

  insert(database: string, collection: string, documents: ReadonlyArray<Document>): void {
    const { duplicates } = this.#store.insert(database, collection, documents)
    if (duplicates.length)
      throw new Error(
        `${database}.${collection} already has a document with the _id of document ${duplicates[0]!.index}.`,
      )
  }

  documents(database: string, collection: string): Document[] {
    return [...(this.#store.find(database, collection)?.documents ?? [])]
  }

  drop(database: string, collection?: string): void {
    if (collection === undefined) this.#store.dropDatabase(database)
    else this.#store.drop(database, collection)
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    this.#sockets.clear()
    this.#cursors.clear()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket)
    const connectionId = this.#nextConnectionId++
    let pending: Buffer = Buffer.alloc(0)
    socket.setNoDelay(true)
    socket.on('close', () => this.#sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      while (pending.length >= 16) {
        const { length } = readHeader(pending)
        if (length < 16 || length > 48_000_000) {
          socket.destroy()
          return
        }
        if (pending.length < length) break
        const message = pending.subarray(0, length)
        pending = pending.subarray(length)
        let request: CommandRequest
        try {
          request = decodeRequest(message)
        } catch {
          // mongod closes the connection on a message it cannot parse (a ProtocolError).
          socket.destroy()
          return
        }
        const reply = this.#run(request, connectionId)
        if (!request.noReply) socket.write(encodeReply(this.#nextRequestId++, request, reply))
      }
    })
  }

  #run(request: CommandRequest, connectionId: number): Document {
    const name = Object.keys(request.command)[0] ?? ''
    const logged =
      name === 'insert' && Array.isArray(request.command.documents)
        ? { ...request.command, documents: request.command.documents.length }
        : request.command
    // The log holds a copy decoded as drivers decode (plain numbers), for tests to compare with.
    const command = deserialize(serialize(logged))
    this.#received.push({ name, database: request.database, command, legacy: request.legacy })
    const context: CommandContext = {
      store: this.#store,
      cursors: this.#cursors,
      connectionId,
      database: request.database,
      legacy: request.legacy,
    }
    return runCommand(request.command, context)
  }
}
