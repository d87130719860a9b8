import type {
  Checkpoint,
  PluginContext,
  ReadOptions,
  Source,
  SourceBatch,
  SourcePlugin,
  StreamDescriptor,
} from '@ledgerport/core'
import type Database from 'better-sqlite3'
import { DatabaseFile } from './database-file.js'
import {
  type Batches,
  countStream,
  parseCheckpoint,
  parseStreamName,
  type ReadState,
  STREAM_ENTITIES,
  STREAM_KINDS,
  type StreamKind,
  streamBatches,
} from './freqtrade-streams.js'
import { type BotDatabase, locateDatabases } from './locate-databases.js'
import { loadSchema } from './schema.js'
import { SqliteRowReader } from './sqlite-row-reader.js'

/** Options of the `freqtrade-sqlite` source. */
export interface FreqtradeSqliteOptions {
  /** Database files (`--db`, repeatable or comma-separated). */
  readonly db?: ReadonlyArray<string>
  /** A folder of bot instances (`--instances-dir`). */
  readonly instancesDir?: string
  /** Bot ids, one per database, instead of the instance folder names (`--bot-id`). */
  readonly botId?: ReadonlyArray<string>
  /** Where private snapshot copies go, when a database cannot be read in place (`--snapshot-dir`). */
  readonly snapshotDir?: string
  /** Milliseconds to wait for a locked database (`--busy-timeout`). Default is 5000. */
  readonly busyTimeout?: number
}

export {
  type FreqtradeCheckpoint,
  STREAM_KINDS,
  type StreamKind,
} from './freqtrade-streams.js'

/** One bot: its database file and what it has been found to hold. */
interface Bot extends BotDatabase {
  readonly file: DatabaseFile
}

/**
 * Reads Freqtrade bots' `tradesv3.sqlite` databases, every schema generation, without changing
 * them. Per bot, four streams: `BOT/bot` (one `bots` row), `BOT/trades` (`round_trips`, with trade
 * custom data), `BOT/orders` (`orders` and one `fills` row per filled order) and `BOT/balances`
 * (`wallet_history`). Each stream reads in one read transaction and resumes after the last primary
 * key it read. A completed stream whose database files have not changed since (same inode, size and
 * mtime) yields nothing when given its checkpoint again: that is how `ledgerport sync` skips idle bots.
 * Within a bot that changed, each `trades`, `orders` and `balances` row is digested (with the custom
 * data or exchange merged into it) and rows whose digest the engine has stored are skipped unmapped.
 */
export class FreqtradeSqliteSource implements Source {
  readonly #options: FreqtradeSqliteOptions
  readonly #context: PluginContext
  #bots: Map<string, Bot> | undefined

  constructor(options: FreqtradeSqliteOptions, context: PluginContext) {
    this.#options = options
    this.#context = context
  }

  async discover(): Promise<StreamDescriptor[]> {
    return [...this.#locate().values()].flatMap((bot) =>
      STREAM_KINDS.map((kind) => ({
        name: `${bot.botId}/${kind}`,
        entities: STREAM_ENTITIES[kind],
        location: bot.path,
      })),
    )
  }

  read(stream: StreamDescriptor, from?: Checkpoint, options?: ReadOptions): AsyncIterable<SourceBatch> {
    const { bot, kind } = this.#stream(stream)
    return this.#read(bot, kind, from, options)
  }

  async count(stream: StreamDescriptor): Promise<number> {
    const { bot, kind } = this.#stream(stream)
    if (kind === 'bot') return 1
    const { db } = bot.file.open()
    try {
      const reader = new SqliteRowReader(db)
      return await countStream(reader, await loadSchema(reader), kind)
    } finally {
      db.close()
    }
  }

  async close(): Promise<void> {
    for (const bot of this.#bots?.values() ?? []) bot.file.close()
  }

  #locate(): Map<string, Bot> {
    if (!this.#bots) {
      const located = locateDatabases({
        ...(this.#options.db ? { db: this.#options.db } : {}),
        ...(this.#options.instancesDir !== undefined ? { instancesDir: this.#options.instancesDir } : {}),
        ...(this.#options.botId ? { botId: this.#options.botId } : {}),
        cwd: this.#context.cwd,
      })
      const fileOptions = {
        busyTimeout: this.#options.busyTimeout ?? 5_000,
        ...(this.#options.snapshotDir !== undefined ? { snapshotDir: this.#options.snapshotDir } : {}),
      }
      this.#bots = new Map(
        located.map((bot) => [bot.botId, { ...bot, file: new DatabaseFile(bot.path, fileOptions) }]),
      )
    }
    return this.#bots
  }

  #stream(stream: StreamDescriptor): { bot: Bot; kind: StreamKind } {
    const parsed = parseStreamName(stream.name)
    const bot = parsed && this.#locate().get(parsed.botId)
    if (!parsed || !bot) throw new Error(`freqtrade-sqlite has no stream ${stream.name}.`)
    return { bot, kind: parsed.kind }
  }

  async *#read(
    bot: Bot,
    kind: StreamKind,
    from: Checkpoint | undefined,
    options: ReadOptions | undefined,
  ): AsyncGenerator<SourceBatch> {
    const previous = parseCheckpoint(from)
    let files: string
    try {
      files = bot.file.signature()
    } catch (error) {
      throw fileError(bot, error)
    }
    if (previous?.done && previous.files === files) {
      // Completed before, and the bot has written nothing since: nothing to read.
      yield { records: [], checkpoint: previous }
      return
    }
    const resume = previous && !previous.done ? previous : undefined
    const state: ReadState = {
      after: resume?.after ?? null,
      files: resume ? (resume.files === files ? files : null) : files,
    }
    let db: Database.Database
    try {
      db = bot.file.open().db
    } catch (error) {
      throw fileError(bot, error)
    }
    try {
      // The streams read each page once, in key order: SQLite's page cache (16 MB in better-sqlite3)
      // would only hold pages already read.
      db.pragma('cache_size = -2000')
      // One read transaction: the whole stream is one snapshot, even while the bot writes.
      db.exec('BEGIN')
      const reader = new SqliteRowReader(db)
      const batches: Batches = streamBatches(kind, {
        reader,
        schema: await loadSchema(reader),
        bot: { botId: bot.botId, file: bot.path, dryRun: bot.dryRun },
        state,
        batchSize: Math.max(1, this.#context.batchSize),
        warn: (message) => this.#context.warn(message),
        ...(options?.storedDigests ? { storedDigests: options.storedDigests } : {}),
      })
      // The batch is yielded straight from `next()`, never held in a variable (nor through `yield*`):
      // a suspended generator keeps those, and with them the batch the engine has already taken.
      while (batches.more) yield batches.next()
    } catch (error) {
      throw fileError(bot, error)
    } finally {
      try {
        if (db.inTransaction) db.exec('ROLLBACK')
      } finally {
        db.close()
      }
    }
  }
}

/** Every error of a bot's database names the file. */
function fileError(bot: BotDatabase, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error)
  if (message.includes(bot.path)) return error as Error
  return new Error(`${bot.path}: ${message}`, { cause: error })
}

/** The `freqtrade-sqlite` source plugin: `--from freqtrade-sqlite`. */
export const source: SourcePlugin<FreqtradeSqliteOptions> = {
  name: 'freqtrade-sqlite',
  summary: 'Freqtrade bots\u2019 tradesv3.sqlite databases (every schema since 0.14), one bot or a fleet',
  options: {
    db: {
      type: 'string[]',
      flag: 'db',
      description: 'Freqtrade database file (repeatable, or a comma list)',
    },
    instancesDir: {
      type: 'string',
      description: 'folder of bot instances: */user_data/tradesv3*.sqlite and *.sqlite; bot id = folder name',
    },
    botId: { type: 'string[]', description: 'bot ids instead of folder names, one per database, in order' },
    snapshotDir: {
      type: 'string',
      description: 'folder for private copies of databases that cannot be read in place (default: OS temp)',
    },
    busyTimeout: { type: 'number', description: 'milliseconds to wait for a locked database', default: 5000 },
  },
  create: (options, context) => {
    if (!options.db?.length && options.instancesDir === undefined)
      throw new Error('freqtrade-sqlite needs --db FILE (repeatable) or --instances-dir DIR.')
    return new FreqtradeSqliteSource(options, context)
  },
}
