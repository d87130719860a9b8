import type {
  Checkpoint,
  PluginContext,
  ReadOptions,
  Source,
  SourceBatch,
  SourcePlugin,
  StreamDescriptor,
} from '@ledgerport/core'
import {
  type BotDatabase,
  botStreams,
  locateDatabases,
  parseStreamName,
  type StreamKind,
  streamSettings,
} from '@ledgerport/freqtrade-mapping'
import { DatabaseFile } from './database-file.js'
import { countFileStream, readFileStream } from './file-stream.js'

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

/** Where a stream stopped: the last primary key read, whether the table was read to its end, and the files' signature. */
export type { FreqtradeCheckpoint } from '@ledgerport/freqtrade-mapping'

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

  /** A source for these options; the databases are found on first use. */
  constructor(options: FreqtradeSqliteOptions, context: PluginContext) {
    this.#options = options
    this.#context = context
  }

  /** Every bot's four streams (`BOT/bot`, `BOT/trades`, `BOT/orders`, `BOT/balances`). */
  async discover(): Promise<StreamDescriptor[]> {
    return [...this.#locate().values()].flatMap((bot) => botStreams(bot.botId, bot.path))
  }

  /** A stream's batches after checkpoint `from` (see the mapping's `streamBatches`). */
  read(stream: StreamDescriptor, from?: Checkpoint, options?: ReadOptions): AsyncIterable<SourceBatch> {
    const { bot, kind } = this.#stream(stream)
    if (bot.error !== undefined) throw new Error(bot.error)
    const settings = streamSettings(
      { botId: bot.botId, file: bot.path, dryRun: bot.dryRun },
      this.#context,
      options,
    )
    return readFileStream(bot.file, kind, from, settings, (error) => fileError(bot, error))
  }

  /** How many source rows a stream reads (for progress and `verify`). */
  async count(stream: StreamDescriptor): Promise<number> {
    const { bot, kind } = this.#stream(stream)
    if (bot.error !== undefined) throw new Error(bot.error)
    return kind === 'bot' ? 1 : countFileStream(bot.file, kind)
  }

  /** Removes the snapshot copies taken. */
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
        warn: (message) => this.#context.warn(message),
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
