import type {
  CanonicalRecord,
  Checkpoint,
  Duplicate,
  PluginContext,
  Reject,
  Source,
  SourceBatch,
  SourcePlugin,
  StreamDescriptor,
} from '@ledgerport/core'
import type { Document } from 'mongodb'
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

  /** A collection's records, rejects and duplicates in batches, after `from` when given. */
  read(stream: StreamDescriptor, from?: Checkpoint): AsyncIterable<SourceBatch> {
    if (!(stream.name in MIGRATED_COLLECTIONS))
      throw new Error(`The mongo source has no stream ${stream.name}.`)
    return stream.name === 'users' ? this.#readUsers(from) : this.#readSnapshots(from)
  }

  /** The documents of the stream's collection (values of its file). */
  async count(stream: StreamDescriptor): Promise<number> {
    return this.#reader.count(stream.name)
  }

  /** Closes the server connection. */
  async close(): Promise<void> {
    await this.#reader.close()
  }

  async *#readUsers(from: Checkpoint | undefined): AsyncGenerator<SourceBatch> {
    const firstByEmail = new Map<string, string>()
    const sameEmail: string[] = []
    for await (const batch of this.#reader.read('users', from, this.#context.batchSize)) {
      const out = new BatchParts()
      for (const source of batch.documents) {
        const mapped = source.duplicateOf ? duplicateOf(source) : mapUser(source, this.#context.timezone)
        out.add(mapped)
        const email = mapped.record?.values.email
        if (typeof email !== 'string') continue
        const normalized = email.toLowerCase()
        const first = firstByEmail.get(normalized)
        if (first === undefined) firstByEmail.set(normalized, source.location.key ?? source.label)
        else sameEmail.push(`${email} (${source.location.key ?? source.label}, like ${first})`)
      }
      yield out.take(batch.checkpoint)
    }
    if (sameEmail.length) {
      this.#context.warn(
        `users: ${sameEmail.length} user(s) have the email of an earlier user (compared without case): ${examples(sameEmail)}. All are kept, as separate users rows.`,
      )
    }
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

/** The records, rejects and duplicates of one batch. */
class BatchParts {
  readonly #records: CanonicalRecord[] = []
  readonly #rejects: Reject[] = []
  readonly #duplicates: Duplicate[] = []

  /** Adds what one document gave. */
  add(mapped: Mapped): void {
    if (mapped.record) this.#records.push(mapped.record)
    if (mapped.reject) this.#rejects.push(mapped.reject)
    if (mapped.duplicate) this.#duplicates.push(mapped.duplicate)
  }

  /** The batch, ending at `checkpoint`. */
  take(checkpoint: Checkpoint): SourceBatch {
    return {
      records: this.#records,
      checkpoint,
      ...(this.#rejects.length ? { rejects: this.#rejects } : {}),
      ...(this.#duplicates.length ? { duplicates: this.#duplicates } : {}),
    }
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
