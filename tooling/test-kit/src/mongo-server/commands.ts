import { type Document, Long } from 'bson'
import { runPipeline } from './aggregate.js'
import { compareValues, isPlainDocument, toNumber } from './bson-order.js'
import { CommandError, typeMismatch } from './command-error.js'
import type { CursorRegistry } from './cursors.js'
import type { InMemoryStore } from './in-memory-store.js'
import { matches, project, sortDocuments } from './query.js'

/** The wire versions this server speaks: up to MongoDB 7.0's. */
export const MAX_WIRE_VERSION = 21
/** The version `buildInfo` reports. */
export const SERVER_VERSION = '7.0.0'
const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024

/** What a command runs against: the server's data and cursors, and the connection it came on. */
export interface CommandContext {
  readonly store: InMemoryStore
  readonly cursors: CursorRegistry
  readonly connectionId: number
  /** The command's database. */
  readonly database: string
  /** Whether it came as an OP_QUERY (only the first handshake may). */
  readonly legacy: boolean
}

type Handler = (command: Document, context: CommandContext) => Document

function collectionName(command: Document, name: string): string {
  const value = command[name]
  if (typeof value !== 'string' || value === '')
    throw typeMismatch(`collection name has invalid type ${value === null ? 'null' : typeof value}`)
  return value
}

function optionalDocument(command: Document, field: string): Document | undefined {
  const value = command[field]
  if (value === undefined || value === null) return undefined
  if (!isPlainDocument(value))
    throw typeMismatch(`BSON field '${field}' is the wrong type, expected type 'object'`)
  return value
}

function cursorBatchSize(command: Document): number | undefined {
  const cursor = optionalDocument(command, 'cursor')
  return cursor?.batchSize === undefined ? undefined : toNumber(cursor.batchSize)
}

function hello(command: Document, context: CommandContext): Document {
  const legacyName = 'isMaster' in command || 'ismaster' in command
  return {
    ...(legacyName ? { ismaster: true } : { isWritablePrimary: true }),
    helloOk: true,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: context.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  }
}

/** Index bounds of `min`/`max` on the `_id_` index, the only index this server has. */
function indexBounds(command: Document): { min?: unknown; max?: unknown } | undefined {
  const min = optionalDocument(command, 'min')
  const max = optionalDocument(command, 'max')
  const hint = command.hint
  if (hint === undefined && !min && !max) return undefined
  const usesIdIndex =
    hint === '_id_' ||
    (isPlainDocument(hint) && Object.keys(hint).length === 1 && toNumber(hint._id, 0) === 1)
  if (hint !== undefined && !usesIdIndex)
    throw new CommandError(
      2,
      'BadValue',
      'error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index',
    )
  if ((min || max) && hint === undefined)
    throw new CommandError(
      51173,
      'Location51173',
      'When using min()/max() a hint of which index to use must be provided',
    )
  for (const bound of [min, max]) {
    if (bound && (Object.keys(bound).length !== 1 || !('_id' in bound)))
      throw new CommandError(
        51174,
        'Location51174',
        'The index implied by min() / max() must match the hint: {_id: 1}',
      )
  }
  return { ...(min ? { min: min._id } : {}), ...(max ? { max: max._id } : {}) }
}

function find(command: Document, context: CommandContext): Document {
  const name = collectionName(command, 'find')
  const filter = optionalDocument(command, 'filter')
  const bounds = indexBounds(command)
  let documents = [...(context.store.find(context.database, name)?.documents ?? [])]
  if (bounds) {
    // A hinted `_id_` index returns documents in `_id` order, within the bounds (min inclusive, max exclusive).
    documents.sort((a, b) => compareValues(a._id, b._id))
    documents = documents.filter(
      (document) =>
        (bounds.min === undefined || compareValues(document._id, bounds.min) >= 0) &&
        (bounds.max === undefined || compareValues(document._id, bounds.max) < 0),
    )
  }
  documents = documents.filter((document) => matches(document, filter))
  documents = sortDocuments(documents, optionalDocument(command, 'sort'))
  const skip = toNumber(command.skip)
  const limit = Math.abs(toNumber(command.limit))
  documents = documents.slice(skip, limit > 0 ? skip + limit : undefined)
  const projection = optionalDocument(command, 'projection')
  if (projection) documents = documents.map((document) => project(document, projection))
  const singleBatch = command.singleBatch === true || toNumber(command.limit) < 0
  const batchSize = command.batchSize === undefined ? undefined : toNumber(command.batchSize)
  return context.cursors.open(`${context.database}.${name}`, documents, batchSize, singleBatch)
}

function getMore(command: Document, context: CommandContext): Document {
  const id = command.getMore
  if (!id || (typeof id !== 'bigint' && (id as { _bsontype?: string })._bsontype !== 'Long'))
    throw typeMismatch("BSON field 'getMore.getMore' is the wrong type, expected type 'long'")
  const collection = collectionName(command, 'collection')
  const batchSize = command.batchSize === undefined ? undefined : toNumber(command.batchSize)
  return context.cursors.more(BigInt(String(id)), `${context.database}.${collection}`, batchSize)
}

function killCursors(command: Document, context: CommandContext): Document {
  collectionName(command, 'killCursors')
  const ids = Array.isArray(command.cursors) ? command.cursors.map((id: unknown) => BigInt(String(id))) : []
  const { killed, notFound } = context.cursors.kill(ids)
  return {
    cursorsKilled: killed.map((id) => Long.fromBigInt(id)),
    cursorsNotFound: notFound.map((id) => Long.fromBigInt(id)),
    cursorsAlive: [],
    cursorsUnknown: [],
    ok: 1,
  }
}

function count(command: Document, context: CommandContext): Document {
  const name = collectionName(command, 'count')
  const query = optionalDocument(command, 'query')
  const skip = toNumber(command.skip)
  const limit = Math.abs(toNumber(command.limit))
  const matching = (context.store.find(context.database, name)?.documents ?? []).filter((document) =>
    matches(document, query),
  ).length
  const n = Math.max(0, Math.min(matching - skip, limit > 0 ? limit : Number.POSITIVE_INFINITY))
  return { n, ok: 1 }
}

function aggregate(command: Document, context: CommandContext): Document {
  const target = command.aggregate
  if (target !== 1 && typeof target !== 'string' && toNumber(target, Number.NaN) !== 1)
    throw typeMismatch('aggregate needs a collection name or 1')
  if (!isPlainDocument(command.cursor) && command.explain !== true)
    throw new CommandError(
      9,
      'FailedToParse',
      "The 'cursor' option is required, except for aggregate with the explain argument",
    )
  const name = typeof target === 'string' ? target : '$cmd.aggregate'
  const documents =
    typeof target === 'string' ? (context.store.find(context.database, target)?.documents ?? []) : []
  return context.cursors.open(
    `${context.database}.${name}`,
    runPipeline(documents, command.pipeline),
    cursorBatchSize(command),
  )
}

function listCollections(command: Document, context: CommandContext): Document {
  const nameOnly = command.nameOnly === true
  const filter = optionalDocument(command, 'filter')
  const infos = context.store.collections(context.database).map((collection) =>
    nameOnly
      ? { name: collection.name, type: 'collection' }
      : {
          name: collection.name,
          type: 'collection',
          options: {},
          info: { readOnly: false, uuid: collection.uuid },
          idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
        },
  )
  return context.cursors.open(
    `${context.database}.$cmd.listCollections`,
    infos.filter((info) => matches(info, filter)),
    cursorBatchSize(command),
  )
}

function listDatabases(command: Document, context: CommandContext): Document {
  const databases = context.store.databaseNames().map((name) => {
    const documents = context.store.collections(name).reduce((n, c) => n + c.documents.length, 0)
    return command.nameOnly === true
      ? { name }
      : { name, sizeOnDisk: 4096 * (1 + documents), empty: documents === 0 }
  })
  const filter = optionalDocument(command, 'filter')
  const listed = databases.filter((database) => matches(database, filter))
  if (command.nameOnly === true) return { databases: listed, ok: 1 }
  const totalSize = listed.reduce((n, d) => n + Number((d as { sizeOnDisk: number }).sizeOnDisk), 0)
  return { databases: listed, totalSize, totalSizeMb: Math.floor(totalSize / 1_048_576), ok: 1 }
}

function insert(command: Document, context: CommandContext): Document {
  const name = collectionName(command, 'insert')
  const documents = command.documents
  if (!Array.isArray(documents) || documents.some((document) => !isPlainDocument(document)))
    throw typeMismatch("BSON field 'insert.documents' is the wrong type, expected an array of objects")
  const { inserted, duplicates } = context.store.insert(
    context.database,
    name,
    documents,
    command.ordered !== false,
  )
  const reply: Document = { n: inserted, ok: 1 }
  if (duplicates.length) {
    reply.writeErrors = duplicates.map(({ index, id }) => ({
      index,
      code: 11000,
      errmsg: `E11000 duplicate key error collection: ${context.database}.${name} index: _id_ dup key: { _id: ${String(
        (id as { toHexString?: () => string }).toHexString?.() ?? id,
      )} }`,
    }))
  }
  return reply
}

function remove(command: Document, context: CommandContext): Document {
  const name = collectionName(command, 'delete')
  if (!Array.isArray(command.deletes)) throw typeMismatch("BSON field 'delete.deletes' is missing")
  let n = 0
  for (const statement of command.deletes as Document[]) {
    const query = optionalDocument(statement, 'q') ?? {}
    n += context.store.delete(
      context.database,
      name,
      (document) => matches(document, query),
      toNumber(statement.limit) === 1,
    )
  }
  return { n, ok: 1 }
}

function create(command: Document, context: CommandContext): Document {
  const name = collectionName(command, 'create')
  if (context.store.find(context.database, name))
    throw new CommandError(48, 'NamespaceExists', `Collection ${context.database}.${name} already exists.`)
  context.store.ensure(context.database, name)
  return { ok: 1 }
}

function drop(command: Document, context: CommandContext): Document {
  const name = collectionName(command, 'drop')
  if (!context.store.drop(context.database, name))
    throw new CommandError(26, 'NamespaceNotFound', 'ns not found')
  return { nIndexesWas: 1, ns: `${context.database}.${name}`, ok: 1 }
}

function getParameter(command: Document): Document {
  const known: Document = {
    featureCompatibilityVersion: { version: SERVER_VERSION.slice(0, 3) },
    authenticationMechanisms: ['SCRAM-SHA-1', 'SCRAM-SHA-256'],
  }
  const all =
    command.getParameter === '*' ||
    (isPlainDocument(command.getParameter) && command.getParameter.allParameters === true)
  const reply: Document = {}
  for (const [name, value] of Object.entries(known)) if (all || name in command) reply[name] = value
  if (Object.keys(reply).length === 0) throw new CommandError(72, 'InvalidOptions', 'no option found to get')
  return { ...reply, ok: 1 }
}

const buildInfo = () => ({
  version: SERVER_VERSION,
  gitVersion: '0000000000000000000000000000000000000000',
  versionArray: [7, 0, 0, 0],
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
  storageEngines: ['inMemory'],
  ok: 1,
})

const authenticationFailed = (): Document => {
  throw new CommandError(18, 'AuthenticationFailed', 'Authentication failed.')
}

/** Every command this server runs, by name (as the first key of the command document). */
const HANDLERS: Readonly<Record<string, Handler>> = {
  hello,
  isMaster: hello,
  ismaster: hello,
  ping: () => ({ ok: 1 }),
  buildInfo,
  buildinfo: buildInfo,
  getParameter,
  endSessions: () => ({ ok: 1 }),
  saslStart: authenticationFailed,
  authenticate: authenticationFailed,
  listDatabases,
  listCollections,
  find,
  getMore,
  killCursors,
  count,
  aggregate,
  insert,
  delete: remove,
  create,
  drop,
  dropDatabase: (_command, context) => {
    context.store.dropDatabase(context.database)
    return { dropped: context.database, ok: 1 }
  },
}

/** Commands a driver may send by OP_QUERY: only the handshake, as in MongoDB 5.1 and later. */
const LEGACY_COMMANDS = new Set(['hello', 'isMaster', 'ismaster'])

/**
 * Runs one command and returns its reply; a failure becomes `{ ok: 0, errmsg, code, codeName }`,
 * an unknown command `CommandNotFound` (59).
 */
export function runCommand(command: Document, context: CommandContext): Document {
  const name = Object.keys(command)[0] ?? ''
  try {
    if (context.legacy && !LEGACY_COMMANDS.has(name))
      throw new CommandError(
        352,
        'UnsupportedOpQueryCommand',
        `Unsupported OP_QUERY command: ${name}. The client driver may require an upgrade.`,
      )
    const handler = Object.hasOwn(HANDLERS, name) ? HANDLERS[name] : undefined
    if (!handler) throw new CommandError(59, 'CommandNotFound', `no such command: '${name}'`)
    return handler(command, context)
  } catch (error) {
    if (error instanceof CommandError)
      return { ok: 0, errmsg: error.message, code: error.code, codeName: error.codeName }
    return { ok: 0, errmsg: (error as Error).message, code: 1, codeName: 'InternalError' }
  }
}
