import { readdir, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import type {
  CanonicalRecord,
  Checkpoint,
  EntityName,
  EntityRef,
  PluginContext,
  Source,
  SourceBatch,
  SourcePlugin,
  StreamDescriptor,
} from '@ledgerport/core'
import {
  BatchBuilder,
  displayPath,
  type JsonInput,
  type JsonItem,
  type JsonObject,
  jsonPath,
  type Mapped,
  readJsonItems,
  SeenKeys,
  TOO_DEEP,
} from '@ledgerport/source-kit'
import { mapAccount } from './account.js'
import type { FolderContext } from './folder-context.js'
import { mapHolding } from './holdings.js'
import { mapPaperOrder } from './paper-orders.js'
import { type LinkContext, mapTransaction, OrderIndex } from './transactions.js'

/** Options of the `paper-trading` source. */
export interface PaperTradingOptions {
  /** A paper-trading folder, or a folder of per-user folders (`paper_trading/user_1/…`). */
  readonly dir: string
  /** How far apart (seconds) a transaction without `order_id` and its order may be. */
  readonly matchTolerance: number
  /** Currency of `account.json`'s cash. */
  readonly currency: string
}

/** The files of a paper-trading folder and the stream each feeds. */
const FILES = {
  orders: { file: 'orders.json', entities: ['orders'] },
  holdings: { file: 'holdings.json', entities: ['positions'] },
  transactions: { file: 'transactions.json', entities: ['fills'] },
  account: { file: 'account.json', entities: ['balances'] },
} as const satisfies Record<string, { file: string; entities: ReadonlyArray<EntityName> }>

type FileStream = keyof typeof FILES
const FILE_STREAMS = Object.keys(FILES) as FileStream[]
/** The stream of the folders' `users` rows (per-user folders without `--user-id`). */
export const USERS_STREAM = 'users'

interface Folder {
  /** Its name: the prefix of its rows' source keys. */
  readonly name: string
  readonly path: string
  /** The user's external id (`user_1` → `1`), when folders are users. */
  readonly user?: string
  /** The files it has. */
  readonly files: ReadonlySet<FileStream>
}

/** Where a stream is: the folder it reached, and the items consumed in that folder's file. */
interface Position {
  readonly folder: string
  readonly index: number
}

/**
 * The paper-trading service's files: one folder (`paper_trading/unified_service`) or a folder of
 * per-user folders (`paper_trading/user_1`, `user_2`…), each with `orders.json`, `holdings.json`,
 * `transactions.json`, `account.json`. Streams: `users` (per-user folders, unless `--user-id`),
 * `orders`, `holdings`, `transactions`, `account`; each reads every folder in name order.
 */
export class PaperTradingSource implements Source {
  readonly #options: PaperTradingOptions
  readonly #context: PluginContext
  #folders: Folder[] | undefined

  constructor(options: PaperTradingOptions, context: PluginContext) {
    this.#options = options
    this.#context = context
  }

  async discover(): Promise<ReadonlyArray<StreamDescriptor>> {
    const folders = await this.#discoverFolders()
    const location = displayPath(this.#context.cwd, resolve(this.#context.cwd, this.#options.dir))
    const streams: StreamDescriptor[] = []
    if (this.#context.userId === undefined && folders.some((f) => f.user !== undefined))
      streams.push({ name: USERS_STREAM, entities: ['users'], location })
    for (const name of FILE_STREAMS) {
      if (folders.some((f) => f.files.has(name))) {
        streams.push({ name, entities: FILES[name].entities, location })
      } else {
        this.#context.warn(`No ${FILES[name].file} in ${location}: stream ${name} is skipped.`)
      }
    }
    return streams
  }

  read(stream: StreamDescriptor, from?: Checkpoint): AsyncIterable<SourceBatch> {
    return this.#read(stream, from)
  }

  /** Source records of a stream over all folders: users, orders, holdings, transactions, accounts. */
  async count(stream: StreamDescriptor): Promise<number> {
    const folders = await this.#discoverFolders()
    if (stream.name === USERS_STREAM) return folders.filter((f) => f.user !== undefined).length
    const name = stream.name as FileStream
    let count = 0
    for (const folder of folders) {
      if (!folder.files.has(name)) continue
      const file = join(folder.path, FILES[name].file)
      for await (const _ of itemsOf(name, file, displayPath(this.#context.cwd, file))) count++
    }
    return count
  }

  async close(): Promise<void> {}

  async *#read(stream: StreamDescriptor, from?: Checkpoint): AsyncGenerator<SourceBatch> {
    const folders = await this.#discoverFolders()
    const start = positionOf(from)
    const batch = new BatchBuilder(this.#context.batchSize)
    let position: Position | undefined = start
    const checkpoint = (): Checkpoint => (position ? { ...position } : null)
    const startAt = start ? folders.findIndex((f) => f.name >= start.folder) : 0
    if (startAt === -1) return
    if (stream.name === USERS_STREAM) {
      for (const folder of folders.slice(startAt)) {
        if (folder.user === undefined || (start && folder.name === start.folder)) continue
        batch.add({ records: [await this.#userRecord(folder)] })
        position = { folder: folder.name, index: 1 }
      }
      if (!batch.empty) yield batch.take(checkpoint())
      return
    }
    const name = stream.name as FileStream
    if (!FILE_STREAMS.includes(name)) throw new Error(`paper-trading has no stream ${stream.name}.`)
    let unlinked = 0
    for (const folder of folders.slice(startAt)) {
      if (!folder.files.has(name)) continue
      const skip = start && folder.name === start.folder ? start.index : 0
      const file = join(folder.path, FILES[name].file)
      const context = this.#folderContext(folder, file)
      const map = await this.#mapper(name, folder, context)
      for await (const item of itemsOf(name, file, context.file)) {
        const mapped = map(item)
        if (item.index < skip) continue
        position = { folder: folder.name, index: item.index + 1 }
        if (mapped.unlinked) unlinked++
        batch.add(mapped)
        if (batch.full) yield batch.take(checkpoint())
      }
    }
    if (!batch.empty) yield batch.take(checkpoint())
    if (unlinked > 0) {
      this.#context.warn(
        `${unlinked} paper-trading transaction(s) match no order (no order_id found in orders.json, and no order of the same symbol and side within ${this.#options.matchTolerance} s): kept as fills without an order.`,
      )
    }
  }

  async #mapper(
    name: FileStream,
    folder: Folder,
    context: FolderContext,
  ): Promise<(item: JsonItem) => Mapped & { unlinked?: boolean }> {
    switch (name) {
      case 'orders':
        return (item) => mapPaperOrder(context, item)
      case 'holdings': {
        const withNames = { ...context, kept: new Map<number, string>() }
        return (item) => mapHolding(withNames, item)
      }
      case 'transactions': {
        const link: LinkContext = {
          orders: await this.#orderIndex(folder),
          toleranceMs: this.#options.matchTolerance * 1000,
        }
        return (item) => mapTransaction(context, link, item)
      }
      case 'account':
        return (item) => mapAccount(context, item, this.#options.currency)
    }
  }

  /** The folder's orders as the orders stream maps them (rejects and duplicates left out). */
  async #orderIndex(folder: Folder): Promise<OrderIndex> {
    const index = new OrderIndex(this.#context.timezone)
    if (!folder.files.has('orders')) return index
    const file = join(folder.path, FILES.orders.file)
    const context = this.#folderContext(folder, file)
    let read = 0
    try {
      for await (const item of itemsOf('orders', file, context.file)) {
        read++
        const { facts } = mapPaperOrder(context, item)
        if (facts) index.add(facts)
      }
    } catch (error) {
      this.#context.warn(
        `${(error as Error).message} Transactions of ${folder.name} are linked only to the ${read} order(s) read before that point.`,
      )
    }
    return index
  }

  #folderContext(folder: Folder, file: string): FolderContext {
    const user: EntityRef | undefined =
      folder.user !== undefined && this.#context.userId === undefined
        ? { ref: 'users', sourceKey: `user:${folder.user}` }
        : undefined
    return {
      file: displayPath(this.#context.cwd, file),
      folder: folder.name,
      timezone: this.#context.timezone,
      seen: new SeenKeys(),
      ...(user ? { user } : {}),
    }
  }

  async #userRecord(folder: Folder): Promise<CanonicalRecord> {
    const config = join(folder.path, 'config.json')
    const extra: Record<string, unknown> = { folder: displayPath(this.#context.cwd, folder.path) }
    if (await isFile(config)) {
      const settings: Record<string, JsonInput> = {}
      try {
        const shown = displayPath(this.#context.cwd, config)
        for await (const item of readJsonItems(config, shown, { entries: true })) {
          const key = item.key ?? String(item.index)
          if (item.tooDeep)
            this.#context.warn(`${shown}: setting ${jsonPath(null, key)} is ${TOO_DEEP}; it is left out.`)
          else settings[key] = item.value
        }
        extra.config = settings
      } catch (error) {
        this.#context.warn(`${(error as Error).message} The user's config is left out.`)
      }
    }
    return {
      entity: 'users',
      sourceKey: `user:${folder.user}`,
      location: { file: displayPath(this.#context.cwd, folder.path) },
      values: { external_id: folder.user, name: folder.name },
      extra,
    }
  }

  async #discoverFolders(): Promise<Folder[]> {
    if (this.#folders) return this.#folders
    const { cwd } = this.#context
    const dir = resolve(cwd, this.#options.dir)
    const shown = displayPath(cwd, dir)
    const info = await stat(dir).catch(() => undefined)
    if (!info?.isDirectory())
      throw new Error(
        `--dir ${shown}: ${info ? 'is not a folder' : 'no such folder'}. Pass the paper-trading folder (e.g. paper_trading/unified_service) or the folder of per-user folders.`,
      )
    const own = await filesIn(dir)
    let folders: Folder[]
    if (own.size > 0) {
      const user = userOfFolder(basename(dir))
      folders = [{ name: basename(dir), path: dir, files: own, ...(user !== undefined ? { user } : {}) }]
    } else {
      folders = []
      const entries = await readdir(dir, { withFileTypes: true })
      for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const path = join(dir, entry.name)
        const files = await filesIn(path)
        if (files.size === 0) continue
        folders.push({ name: entry.name, path, files, user: userOfFolder(entry.name) ?? entry.name })
      }
      if (folders.length === 0)
        throw new Error(
          `No paper-trading files (orders.json, holdings.json, transactions.json, account.json) in ${shown} or its folders.`,
        )
    }
    this.#folders = folders
    return folders
  }
}

/** `user_1` → `1`; other names are no user id. */
function userOfFolder(name: string): string | undefined {
  return /^user_(.+)$/.exec(name)?.[1]
}

async function filesIn(dir: string): Promise<Set<FileStream>> {
  const files = new Set<FileStream>()
  for (const name of FILE_STREAMS) if (await isFile(join(dir, FILES[name].file))) files.add(name)
  return files
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false
}

/**
 * The items of a folder's file: array elements, holdings entries, or `account.json` as one item (a
 * `tooDeep` one, with the entry's key, when an entry nests too deep).
 */
async function* itemsOf(stream: FileStream, file: string, display: string): AsyncGenerator<JsonItem> {
  if (stream === 'account') {
    const account: JsonObject = {}
    for await (const item of readJsonItems(file, display, { entries: true, topLevelArray: false })) {
      const key = item.key ?? String(item.index)
      if (item.tooDeep) {
        yield { section: null, index: 0, key, value: null, tooDeep: true }
        return
      }
      account[key] = item.value
    }
    yield { section: null, index: 0, value: account }
    return
  }
  yield* readJsonItems(
    file,
    display,
    stream === 'holdings'
      ? { entries: true, topLevelArray: true }
      : { sections: [stream], topLevelArray: true },
  )
}

function positionOf(from: Checkpoint | undefined): Position | undefined {
  if (from && typeof from === 'object' && !Array.isArray(from) && typeof from.folder === 'string') {
    return { folder: from.folder, index: typeof from.index === 'number' ? from.index : 0 }
  }
  return undefined
}

/** The `paper-trading` source plugin: `ledgerport run --from paper-trading --dir paper_trading`. */
export const source: SourcePlugin<PaperTradingOptions> = {
  name: 'paper-trading',
  summary: "A paper-trading service's orders, holdings, transactions and account (one folder or per user)",
  options: {
    dir: {
      type: 'string',
      description: 'the paper-trading folder, or a folder of per-user folders (user_1, user_2…)',
      default: 'paper_trading/unified_service',
    },
    matchTolerance: {
      type: 'number',
      description:
        'seconds a transaction without order_id may be from its order (same symbol and side) to be linked',
      default: 60,
    },
    currency: { type: 'string', description: "currency of account.json's cash", default: 'INR' },
  },
  create: (options, context) => new PaperTradingSource(options, context),
}
