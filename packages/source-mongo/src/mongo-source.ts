import { createHash, hash } from 'node:crypto'
import type {
  CanonicalRecord,
  Checkpoint,
  Duplicate,
  PluginContext,
  ReadOptions,
  Reject,
  Source,
  SourceBatch,
  SourcePlugin,
  SourceRowDigest,
  StreamDescriptor,
} from '@ledgerport/core'
import { BSON, type Document } from 'mongodb'
import type { DocumentReader } from './document-reader.js'
import { ExportDirReader } from './export-dir-reader.js'
import { mapSnapshot, SNAPSHOT_FIELDS } from './map-snapshot.js'
import { mapUser } from './map-user.js'
import type { Mapped } from './mapped.js'
import {
  MIGRATED_COLLECTIONS,
  MONGO_OPTIONS,
  type MongoOptions,
  resolveMongoOptions,
} from './mongo-options.js'
import { ServerReader } from './server-reader.js'
import { UserLinks } from './user-links.js'

/** How many examples a warning lists. */
const EXAMPLES = 5
/** Bumped whenever the mapping of a users document changes, so documents digested before are mapped again. */
const USERS_MAPPING_VERSION = 'mongo-users-2'

/**
 * The crypto-trading platform's MongoDB (seed 003) as a source: the `users` collection → `users`, and
 * `portfoliosnapshots` → `portfolio_snapshots`, read from a server (one cursor per collection, in
 * `_id` order, resumable from the last `_id`) or from mongoexport files. Other collections are
 * reported as not migrated.
 */
export class MongoSource implements Source {
  readonly #reader: DocumentReader
  readonly #collections: ReadonlyArray<string>
  readonly #context: PluginContext
  #warned = false

  constructor(reader: DocumentReader, collections: ReadonlyArray<string>, context: PluginContext) {
    this.#reader = reader
    this.#collections = collections
    this.#context = context
  }

  /** The streams of the collections there are (of `--collections`); warns about the rest once. */
  async discover(): Promise<ReadonlyArray<StreamDescriptor>> {
    const found = await this.#reader.collections()
    const warn = (message: string): void => {
      if (!this.#warned) this.#context.warn(message)
    }
    const streams: StreamDescriptor[] = []
    for (const [name, entities] of Object.entries(MIGRATED_COLLECTIONS)) {
      if (!this.#collections.includes(name)) continue
      const info = found.find((c) => c.name === name)
      if (info) streams.push({ name, entities, location: info.location })
      else warn(`${this.#reader.display} has no ${name} ${this.#reader.noun}: stream ${name} is skipped.`)
    }
    for (const info of found) {
      if (streams.some((s) => s.name === info.name)) continue
      const why = info.name in MIGRATED_COLLECTIONS ? ' (not in --collections)' : ''
      const size =
        info.documents === undefined ? '' : ` (${info.documents} document${info.documents === 1 ? '' : 's'})`
      warn(`${this.#reader.noun} ${info.location}${size} is not migrated${why}.`)
    }
    this.#warned = true
    if (streams.length === 0) {
      throw new Error(
        `${this.#reader.display} has no ${this.#collections.join(' or ')} ${this.#reader.noun} to migrate${
          found.length ? ` (it has ${found.map((c) => c.name).join(', ')})` : ''
        }.`,
      )
    }
    return streams
  }

  /**
   * A collection's records, rejects and duplicates in batches, after `from` when given. Every users
   * document is digested: one whose digest the engine has stored is skipped (counted unchanged).
   * Users are edited in place (an email, a role), so on a server a users read that went to the end
   * keeps a fingerprint of the collection; read from that checkpoint, the collection is read whole
   * again when its fingerprint has changed since, and not at all when it has not. (A mongoexport
   * file is read again whenever it changes; snapshots are only ever added.)
   */
  read(stream: StreamDescriptor, from?: Checkpoint, options?: ReadOptions): AsyncIterable<SourceBatch> {
    if (!(stream.name in MIGRATED_COLLECTIONS))
      throw new Error(`The mongo source has no stream ${stream.name}.`)
    return stream.name === 'users' ? this.#readUsers(from, options) : this.#readSnapshots(from)
  }

  /** The documents of the stream's collection (values of its file). */
  async count(stream: StreamDescriptor): Promise<number> {
    return this.#reader.count(stream.name)
  }

  /** Closes the server connection. */
  async close(): Promise<void> {
    await this.#reader.close()
  }

  async *#readUsers(from: Checkpoint | undefined, options?: ReadOptions): AsyncGenerator<SourceBatch> {
    const server = this.#reader.noun === 'collection'
    const finished = server ? finishedRead(from) : undefined
    if (finished) {
      if ((await this.#usersFingerprint()) === finished.fingerprint) {
        yield { records: [], checkpoint: from! }
        return
      }
      from = undefined
    }
    // Only a read from the first document has the whole collection's fingerprint at its end.
    const fingerprint = server && from === undefined ? createHash('sha1') : undefined
    // Each batch is held until the next one is read, so the last one is known: its checkpoint says so.
    let held: { parts: BatchParts; checkpoint: Checkpoint } | undefined
    const firstByEmail = new Map<string, string>()
    const sameEmail: string[] = []
    for await (const batch of this.#reader.read('users', from, this.#context.batchSize)) {
      const out = new BatchParts()
      const mapped = batch.documents.map((source) =>
        source.duplicateOf ? duplicateOf(source) : mapUser(source, this.#context.timezone),
      )
      const keys = mapped.flatMap((one) => (one.record ? [one.record.sourceKey] : []))
      const stored = options?.storedDigests && keys.length ? await options.storedDigests(keys) : undefined
      for (const [index, one] of mapped.entries()) {
        const source = batch.documents[index]!
        const digest = source.document ? documentDigest(source.document) : undefined
        fingerprint?.update(`${digest ?? source.label}\n`)
        if (one.record && digest !== undefined) {
          if (stored?.get(one.record.sourceKey)?.digest === digest) out.skip()
          else out.add(one, { key: one.record.sourceKey, digest, records: 1 })
        } else out.add(one)
        const email = one.record?.values.email
        if (typeof email !== 'string') continue
        const normalized = email.toLowerCase()
        const first = firstByEmail.get(normalized)
        if (first === undefined) firstByEmail.set(normalized, source.location.key ?? source.label)
        else sameEmail.push(`${email} (${source.location.key ?? source.label}, like ${first})`)
      }
      if (held) yield held.parts.take(held.checkpoint)
      held = { parts: out, checkpoint: batch.checkpoint }
    }
    if (held) {
      const { checkpoint } = held
      const finished =
        server && typeof checkpoint === 'object' && checkpoint !== null && !Array.isArray(checkpoint)
          ? { ...checkpoint, done: true, fingerprint: fingerprint?.digest('hex') ?? null }
          : checkpoint
      yield held.parts.take(finished)
    }
    if (sameEmail.length) {
      this.#context.warn(
        `users: ${sameEmail.length} user(s) have the email of an earlier user (compared without case): ${examples(sameEmail)}. All are kept, as separate users rows.`,
      )
    }
  }

  /** The users collection's fingerprint, as a read from its first document ends with it. */
  async #usersFingerprint(): Promise<string> {
    const fingerprint = createHash('sha1')
    for await (const batch of this.#reader.read('users', undefined, this.#context.batchSize)) {
      for (const source of batch.documents)
        fingerprint.update(`${(source.document && documentDigest(source.document)) ?? source.label}\n`)
    }
    return fingerprint.digest('hex')
  }

  async *#readSnapshots(from: Checkpoint | undefined): AsyncGenerator<SourceBatch> {
    const links = new UserLinks(() => this.#reader.users())
    const unlinked: string[] = []
    for await (const batch of this.#reader.read('portfoliosnapshots', from, this.#context.batchSize)) {
      await links.prepare(
        batch.documents.flatMap((source) =>
          SNAPSHOT_FIELDS.user_id.map((field) => (source.document as Document | undefined)?.[field]),
        ),
      )
      const out = new BatchParts()
      for (const source of batch.documents) {
        if (source.duplicateOf) {
          out.add(duplicateOf(source))
          continue
        }
        const mapped = mapSnapshot(source, this.#context.timezone, links)
        if (mapped.unlinked !== undefined) unlinked.push(JSON.stringify(mapped.unlinked))
        out.add(mapped)
      }
      yield out.take(batch.checkpoint)
    }
    if (unlinked.length) {
      this.#context.warn(
        `portfoliosnapshots: ${unlinked.length} snapshot(s) name a user no users document has (userId ${examples(unlinked)}; matched against _id, firebaseUid and firebase_uid): kept without a user_id, their userId in extra.`,
      )
    }
  }
}

/** The records, rejects, duplicates, digests and skipped documents of one batch. */
class BatchParts {
  readonly #records: CanonicalRecord[] = []
  readonly #rejects: Reject[] = []
  readonly #duplicates: Duplicate[] = []
  readonly #digests: SourceRowDigest[] = []
  #skipped = 0

  /** Adds what one document gave, and the digest of the document its record was made of. */
  add(mapped: Mapped, digest?: SourceRowDigest): void {
    if (mapped.record) this.#records.push(mapped.record)
    if (mapped.reject) this.#rejects.push(mapped.reject)
    if (mapped.duplicate) this.#duplicates.push(mapped.duplicate)
    if (digest) this.#digests.push(digest)
  }

  /** Counts a document skipped because its digest is unchanged. */
  skip(): void {
    this.#skipped++
  }

  /** The batch, ending at `checkpoint`. */
  take(checkpoint: Checkpoint): SourceBatch {
    return {
      records: this.#records,
      checkpoint,
      ...(this.#rejects.length ? { rejects: this.#rejects } : {}),
      ...(this.#duplicates.length ? { duplicates: this.#duplicates } : {}),
      ...(this.#digests.length ? { digests: this.#digests } : {}),
      ...(this.#skipped ? { skipped: this.#skipped } : {}),
    }
  }
}

/**
 * The fingerprint in `from` when it is the checkpoint a server users read left at its end (`null`
 * when that read began past the first document), else `undefined`.
 */
function finishedRead(from: Checkpoint | undefined): { fingerprint: string | null } | undefined {
  if (!from || typeof from !== 'object' || Array.isArray(from) || from.done !== true) return undefined
  return { fingerprint: typeof from.fingerprint === 'string' ? from.fingerprint : null }
}

/**
 * The digest of a document: SHA-1 of its canonical Extended JSON (every BSON type kept, fields in
 * their stored order), or `undefined` for a document that has none (it is then always mapped).
 */
function documentDigest(document: Document): string | undefined {
  try {
    return hash('sha1', `${USERS_MAPPING_VERSION}\u0000${BSON.EJSON.stringify(document, { relaxed: false })}`)
  } catch {
    return undefined
  }
}

function duplicateOf(source: {
  location: Duplicate['location']
  label: string
  duplicateOf?: string
}): Mapped {
  return {
    duplicate: {
      location: source.location,
      reason: `${source.label}: same _id as ${source.duplicateOf}, which was kept`,
    },
  }
}

function examples(items: ReadonlyArray<string>): string {
  return items.length > EXAMPLES ? `${items.slice(0, EXAMPLES).join(', ')}, …` : items.join(', ')
}

/**
 * The `mongo` source plugin: `ledgerport run --from mongo --source-url mongodb://host/trading`, or
 * `--export-dir export` for mongoexport files.
 */
export const source: SourcePlugin<MongoOptions> = {
  name: 'mongo',
  summary: 'MongoDB users and portfolio snapshots, from a server or mongoexport files',
  options: MONGO_OPTIONS,
  create: (options, context) => {
    const resolved = resolveMongoOptions(options)
    const reader =
      resolved.mode === 'server'
        ? ServerReader.create(resolved.url, resolved.database)
        : new ExportDirReader(resolved.dir, context.cwd, (message) => context.warn(message))
    return new MongoSource(reader, resolved.collections, context)
  },
}
