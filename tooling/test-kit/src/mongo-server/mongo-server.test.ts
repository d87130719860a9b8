import { connect } from 'node:net'
import {
  Binary,
  Decimal128,
  Double,
  Int32,
  Long,
  MongoClient,
  MongoServerError,
  ObjectId,
  Timestamp,
} from 'mongodb'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type MongoTestServer, startMongoServer } from './mongo-server.js'

let server: MongoTestServer
const clients: MongoClient[] = []

function client(path = '/trading', options: { password?: string } = {}): MongoClient {
  const credentials = options.password ? `ledger:${options.password}@` : ''
  const url = server.url.replace('mongodb://', `mongodb://${credentials}`)
  const created = new MongoClient(`${url}${path}`, { serverSelectionTimeoutMS: 2000, monitorCommands: true })
  clients.push(created)
  return created
}

const id = (n: number): ObjectId => new ObjectId(`65f0a1b2c3d4e5f6${n.toString(16).padStart(8, '0')}`)

beforeEach(async () => {
  server = await startMongoServer()
})

afterEach(async () => {
  for (const created of clients.splice(0)) await created.close()
  await server.close()
})

describe('startMongoServer with the mongodb driver', () => {
  it('handshakes by OP_QUERY, then speaks OP_MSG, and reports a standalone MongoDB 7.0', async () => {
    const db = client().db()
    expect(await db.command({ ping: 1 })).toEqual({ ok: 1 })
    const info = await db.admin().buildInfo()
    expect(info.version).toBe('7.0.0')
    const hello = await db.command({ hello: 1 })
    expect(hello).toMatchObject({
      isWritablePrimary: true,
      maxWireVersion: 21,
      logicalSessionTimeoutMinutes: 30,
    })
    expect(hello.setName).toBeUndefined()
    const first = server.commands[0]!
    expect(first.legacy).toBe(true)
    expect(first.name).toBe('ismaster')
    expect(server.commands.filter((c) => !c.legacy).map((c) => c.name)).toEqual([
      'ping',
      'buildinfo',
      'hello',
    ])
  })

  it('stores and returns every BSON type exactly, with _id first', async () => {
    const collection = client().db().collection('values')
    const document = {
      int32: new Int32(7),
      double: new Double(1),
      int64: Long.fromString('9007199254740993'),
      decimal: Decimal128.fromString('123456789012345678901234.5678901'),
      date: new Date('1969-12-31T23:59:59Z'),
      binary: new Binary(Buffer.from('hi'), 0),
      timestamp: new Timestamp({ t: 42, i: 1 }),
      nested: { list: [1, 'two', null], empty: {} },
      _id: id(1),
    }
    await collection.insertOne(document)
    const [promoted] = await collection.find({}, { useBigInt64: true }).toArray()
    expect(Object.keys(promoted!)[0]).toBe('_id')
    expect(promoted).toMatchObject({
      int32: 7,
      double: 1,
      int64: 9007199254740993n,
      nested: { list: [1, 'two', null] },
    })
    expect(String(promoted!.decimal)).toBe('123456789012345678901234.5678901')
    expect(promoted!.date).toEqual(new Date(-1000))
    const [raw] = await collection.find({}, { promoteValues: false }).toArray()
    expect(raw!.int32).toBeInstanceOf(Int32)
    expect(raw!.double).toBeInstanceOf(Double)
    expect(raw!.timestamp).toEqual(new Timestamp({ t: 42, i: 1 }))
    expect(server.documents('trading', 'values')).toHaveLength(1)
  })

  it('streams a sorted cursor in batches with getMore, and kills a cursor left early', async () => {
    const collection = client().db().collection('users')
    await collection.insertMany([5, 3, 1, 4, 2].map((n) => ({ _id: id(n), n })))
    const all = await collection.find().sort({ _id: 1 }).batchSize(2).toArray()
    expect(all.map((d) => d.n)).toEqual([1, 2, 3, 4, 5])
    expect(server.commands.filter((c) => c.name === 'getMore')).toHaveLength(2)
    expect(server.openCursors).toBe(0)
    const cursor = collection.find().batchSize(2)
    await cursor.next()
    expect(server.openCursors).toBe(1)
    await cursor.close()
    expect(server.commands.at(-1)!.name).toBe('killCursors')
    expect(server.openCursors).toBe(0)
    const descending = await collection
      .find({}, { projection: { _id: 0 } })
      .sort({ n: -1 })
      .limit(2)
      .toArray()
    expect(descending).toEqual([{ n: 5 }, { n: 4 }])
  })

  it('filters with $gt/$gte on _id, type-bracketed, and scans the _id index from min with a hint', async () => {
    const collection = client().db().collection('mixed')
    await collection.insertMany([
      { _id: id(1) },
      { _id: id(2) },
      { _id: 'legacy-b' },
      { _id: 'legacy-a' },
      { _id: new Int32(10) },
    ] as never[])
    const ids = async (filter: object, options: object = {}) =>
      (await collection.find(filter, options).sort({ _id: 1 }).toArray()).map((d) => String(d._id))
    expect(await ids({ _id: { $gt: id(1) } })).toEqual([id(2).toHexString()])
    expect(await ids({ _id: { $gte: 'legacy-a' } })).toEqual(['legacy-a', 'legacy-b'])
    // Numbers < strings < ObjectIds: min() is an index bound, not bracketed by type.
    expect(await ids({}, { hint: { _id: 1 }, min: { _id: 'legacy-b' } })).toEqual([
      'legacy-b',
      id(1).toHexString(),
      id(2).toHexString(),
    ])
    expect(await ids({ _id: { $in: [new Int32(10), 'legacy-a'] } })).toEqual(['10', 'legacy-a'])
    await expect(collection.find({}, { min: { _id: 1 } }).toArray()).rejects.toMatchObject({ code: 51173 })
    await expect(collection.find({ _id: { $regex: 'x' } } as never).toArray()).rejects.toThrow(
      /unknown operator: \$regex/,
    )
  })

  it('counts with countDocuments (aggregate) and estimatedDocumentCount (count)', async () => {
    const collection = client().db().collection('snapshots')
    await collection.insertMany(Array.from({ length: 7 }, (_, n) => ({ n, even: n % 2 === 0 })))
    expect(await collection.countDocuments()).toBe(7)
    expect(await collection.countDocuments({ even: true })).toBe(4)
    expect(await collection.countDocuments({}, { skip: 2, limit: 3 })).toBe(3)
    expect(await collection.estimatedDocumentCount()).toBe(7)
    expect(await client().db().collection('none').countDocuments()).toBe(0)
    const sums = await collection
      .aggregate([{ $group: { _id: '$even', total: { $sum: '$n' } } }, { $sort: { _id: 1 } }])
      .toArray()
    expect(sums).toEqual([
      { _id: false, total: 9 },
      { _id: true, total: 12 },
    ])
    // Four countDocuments and one aggregate.
    expect(server.commands.filter((c) => c.name === 'aggregate')).toHaveLength(5)
  })

  it('lists databases and collections, creates, drops, and refuses duplicate _ids', async () => {
    const db = client().db()
    await db.collection('users').insertOne({ _id: id(1) })
    await db.createCollection('empty')
    await client('/other').db().collection('x').insertOne({})
    expect((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name)).toEqual([
      'users',
      'empty',
    ])
    expect(await db.listCollections({ name: 'users' }).toArray()).toEqual([
      expect.objectContaining({
        name: 'users',
        type: 'collection',
        idIndex: expect.objectContaining({ name: '_id_' }),
      }),
    ])
    expect((await db.admin().listDatabases()).databases.map((d) => d.name)).toEqual(['other', 'trading'])
    const duplicate = await db
      .collection('users')
      .insertOne({ _id: id(1) })
      .catch((error: unknown) => error)
    expect(duplicate).toMatchObject({ code: 11000 })
    await expect(db.createCollection('empty')).rejects.toMatchObject({ code: 48 })
    expect(await db.collection('empty').drop()).toBe(true)
    await db.dropDatabase()
    expect((await db.admin().listDatabases()).databases.map((d) => d.name)).toEqual(['other'])
  })

  it('fails unknown commands with CommandNotFound, and authentication with AuthenticationFailed', async () => {
    const error = await client()
      .db()
      .command({ frobnicate: 1 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MongoServerError)
    expect(error).toMatchObject({
      code: 59,
      codeName: 'CommandNotFound',
      message: "no such command: 'frobnicate'",
    })
    await expect(client('/trading', { password: 's3cret' }).connect()).rejects.toThrow(
      /Authentication failed/,
    )
  })

  it('closes a connection that sends what is not a MongoDB message', async () => {
    await new Promise<void>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => {
        const header = Buffer.alloc(20)
        header.writeInt32LE(20, 0)
        header.writeInt32LE(1, 4)
        header.writeInt32LE(0, 8)
        header.writeInt32LE(2002, 12) // OP_INSERT: removed in MongoDB 6.0
        socket.write(header)
      })
      socket.on('close', () => resolve())
      socket.on('error', reject)
    })
    expect(server.connections).toBe(0)
  })
})
