import type {
  CanonicalRecord,
  Checkpoint,
  EntityName,
  PluginContext,
  Reject,
  Source,
  SourceBatch,
  SourcePlugin,
  StreamDescriptor,
} from '@ledgerport/core'
import type Database from 'better-sqlite3'
import { DatabaseFile } from './database-file.js'
import { type BotDatabase, locateDatabases } from './locate-databases.js'
import { mapWallet, readBot } from './map-bot.js'
import { mapOrder } from './map-order.js'
import { type CustomDataRow, mapTrade } from './map-trade.js'
import { type FreqtradeSchema, readSchema } from './schema.js'
import { integerOf, plain, type SqliteRow, textOf } from './values.js'

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

/** The streams of each bot, in the order they are read. */
export const STREAM_KINDS = ['bot', 'trades', 'orders', 'balances'] as const

/** What one stream of a bot reads. */
export type StreamKind = (typeof STREAM_KINDS)[number]

const ENTITIES: Readonly<Record<StreamKind, ReadonlyArray<EntityName>>> = {
  bot: ['bots'],
  trades: ['round_trips'],
  orders: ['orders', 'fills'],
  balances: ['balances'],
}

/**
 * Where a stream stopped. `after`: the last primary key read (`null`: nothing yet); `done`: the whole
 * table was read; `files`: the database files' signature when reading began (`null` when the stream
 * was resumed after the files changed, so that the next sync reads it all again).
 */
export type FreqtradeCheckpoint = {
  readonly after: number | string | null
  readonly done: boolean
  readonly files: string | null
}

/** Below every SQLite integer key. */
const MIN_KEY = -(2n ** 63n)

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
        entities: ENTITIES[kind],
        location: bot.path,
      })),
    )
  }

  read(stream: StreamDescriptor, from?: Checkpoint): AsyncIterable<SourceBatch> {
    const { bot, kind } = this.#stream(stream)
    return this.#read(bot, kind, from)
  }

  async count(stream: StreamDescriptor): Promise<number> {
    const { bot, kind } = this.#stream(stream)
    if (kind === 'bot') return 1
    const { db } = bot.file.open()
    try {
      const schema = readSchema(db)
      const table =
        kind === 'trades'
          ? 'trades'
          : kind === 'orders'
            ? schema.orders && 'orders'
            : schema.wallet && 'wallet_history'
      if (!table) return 0
      return Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n)
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
    const slash = stream.name.lastIndexOf('/')
    const bot = this.#locate().get(stream.name.slice(0, slash))
    const kind = stream.name.slice(slash + 1) as StreamKind
    if (slash < 0 || !bot || !STREAM_KINDS.includes(kind))
      throw new Error(`freqtrade-sqlite has no stream ${stream.name}.`)
    return { bot, kind }
  }

  async *#read(bot: Bot, kind: StreamKind, from: Checkpoint | undefined): AsyncGenerator<SourceBatch> {
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
      db.exec('BEGIN')
      const schema = readSchema(db)
      const context = { bot, db, schema, state, batchSize: Math.max(1, this.#context.batchSize) }
      switch (kind) {
        case 'bot':
          yield* this.#readBot(context)
          break
        case 'trades':
          yield* readTrades(context)
          break
        case 'orders':
          yield* this.#readOrders(context)
          break
        case 'balances':
          yield* readBalances(context)
          break
      }
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

  async *#readBot(context: ReadContext): AsyncGenerator<SourceBatch> {
    const { bot, db, schema, state } = context
    const where = `bot ${bot.botId} (${bot.path})`
    if (!schema.orders)
      this.#context.warn(
        `${where}: no orders table (Freqtrade ${schema.generation}, before 2020.9): round trips only, without orders or fills.`,
      )
    for (const table of schema.otherTables) {
      const count = (
        db.prepare(`SELECT count(*) AS n FROM "${table.replaceAll('"', '""')}"`).get() as { n: number }
      ).n
      this.#context.warn(`${where}: table ${table} (${count} rows) is not migrated.`)
    }
    if (schema.backupTables.length)
      this.#context.warn(
        `${where}: skipped the backup tables Freqtrade's migrations left: ${schema.backupTables.join(', ')}.`,
      )
    if (schema.customData) {
      const orphans = (
        db
          .prepare(
            'SELECT count(*) AS n FROM trade_custom_data d WHERE d.ft_trade_id <> 0 AND NOT EXISTS (SELECT 1 FROM trades t WHERE t.id = d.ft_trade_id)',
          )
          .get() as { n: number }
      ).n
      if (orphans)
        this.#context.warn(
          `${where}: ${orphans} trade_custom_data rows belong to no trade and are not migrated.`,
        )
    }
    const { record, rejects } = readBot(db, schema, { botId: bot.botId, file: bot.path, dryRun: bot.dryRun })
    yield { records: [record], rejects, checkpoint: { after: null, done: true, files: state.files } }
  }

  async *#readOrders(context: ReadContext): AsyncGenerator<SourceBatch> {
    const { bot, schema } = context
    if (!schema.orders) {
      yield emptyDone(context)
      return
    }
    const t = (column: string) => schema.trades.has(column)
    const select = `SELECT o.*, t.id AS __trade_id, t.exchange AS __exchange${t('strategy') ? ', t.strategy AS __strategy' : ''}${t('is_short') ? ', t.is_short AS __is_short' : ''}
      FROM orders o LEFT JOIN trades t ON t.id = o.ft_trade_id`
    const orphans: string[] = []
    let orphanCount = 0
    yield* keyset(
      context,
      'orders',
      select,
      'o.id',
      Math.max(1, Math.ceil(context.batchSize / 2)),
      (rows) => {
        const records: CanonicalRecord[] = []
        const rejects: Reject[] = []
        for (const row of rows) {
          const mapped = mapOrder(row, { botId: bot.botId, file: bot.path })
          records.push(...mapped.records)
          rejects.push(...mapped.rejects)
          if (mapped.orphan) {
            orphanCount++
            if (orphans.length < 10)
              orphans.push(`${String(plain(row.id))} (trade ${String(plain(row.ft_trade_id))})`)
          }
        }
        return { records, rejects }
      },
    )
    if (orphanCount)
      this.#context.warn(
        `bot ${bot.botId} (${bot.path}): ${orphanCount} orders belong to no trade (ids ${orphans.join(', ')}${orphanCount > orphans.length ? ', …' : ''}); kept without a round trip.`,
      )
  }
}

interface ReadState {
  after: number | string | null
  readonly files: string | null
}

interface ReadContext {
  readonly bot: Bot
  readonly db: Database.Database
  readonly schema: FreqtradeSchema
  readonly state: ReadState
  readonly batchSize: number
}

async function* readTrades(context: ReadContext): AsyncGenerator<SourceBatch> {
  const { bot, db, schema } = context
  const entrySide = schema.trades.has('is_short')
    ? "CASE WHEN t.is_short THEN 'sell' ELSE 'buy' END"
    : "'buy'"
  const orderRefs = schema.orders
    ? `, (SELECT min(o.id) FROM orders o WHERE o.ft_trade_id = t.id AND o.ft_order_side = ${entrySide}) AS __entry_order,
         (SELECT max(o.id) FROM orders o WHERE o.ft_trade_id = t.id AND o.ft_order_side <> ${entrySide} AND o.filled > 0) AS __exit_order`
    : ''
  const customData = schema.customData
    ? db
        .prepare('SELECT * FROM trade_custom_data WHERE ft_trade_id BETWEEN ? AND ? ORDER BY ft_trade_id, id')
        .safeIntegers(true)
    : undefined
  yield* keyset(
    context,
    'trades',
    `SELECT t.*${orderRefs} FROM trades t`,
    't.id',
    context.batchSize,
    (rows) => {
      const byTrade = new Map<string, CustomDataRow[]>()
      if (customData && rows.length) {
        for (const row of customData.all(rows[0]!.id, rows.at(-1)!.id) as SqliteRow[]) {
          const key = String(plain(row.ft_trade_id))
          const list = byTrade.get(key)
          if (list) list.push(row)
          else byTrade.set(key, [row])
        }
      }
      const records: CanonicalRecord[] = []
      const rejects: Reject[] = []
      for (const row of rows) {
        const mapped = mapTrade(
          row,
          { botId: bot.botId, file: bot.path },
          byTrade.get(String(plain(row.id))) ?? [],
        )
        if ('record' in mapped) records.push(mapped.record)
        else rejects.push(mapped.reject)
      }
      return { records, rejects }
    },
  )
}

async function* readBalances(context: ReadContext): AsyncGenerator<SourceBatch> {
  const { bot, db, schema } = context
  if (!schema.wallet) {
    yield emptyDone(context)
    return
  }
  const latest = db.prepare('SELECT exchange FROM trades ORDER BY id DESC LIMIT 1').get() as
    | SqliteRow
    | undefined
  const exchange = latest ? (textOf(latest, 'exchange')?.trim().toLowerCase() ?? null) : null
  yield* keyset(
    context,
    'wallet_history',
    'SELECT w.* FROM wallet_history w',
    'w.id',
    context.batchSize,
    (rows) => {
      const records: CanonicalRecord[] = []
      const rejects: Reject[] = []
      for (const row of rows) {
        const mapped = mapWallet(row, { botId: bot.botId, file: bot.path }, exchange)
        if ('record' in mapped) records.push(mapped.record)
        else rejects.push(mapped.reject)
      }
      return { records, rejects }
    },
  )
}

/**
 * Reads `select` in primary-key order after `context.state.after`, `limit` rows at a time, inside the
 * open read transaction, and yields each batch with a checkpoint after its last key.
 */
function* keyset(
  context: ReadContext,
  table: string,
  select: string,
  key: string,
  limit: number,
  map: (rows: SqliteRow[]) => { records: CanonicalRecord[]; rejects: Reject[] },
): Generator<SourceBatch> {
  const { db, state } = context
  const max = (db.prepare(`SELECT max(id) AS id FROM ${table}`).safeIntegers(true).get() as SqliteRow).id
  const statement = db.prepare(`${select} WHERE ${key} > ? ORDER BY ${key} LIMIT ?`).safeIntegers(true)
  const last = max === null || max === undefined ? undefined : BigInt(max as bigint)
  let after = state.after === null ? MIN_KEY : BigInt(state.after)
  if (last === undefined || after >= last) {
    yield emptyDone(context)
    return
  }
  for (;;) {
    const rows = statement.all(after, limit) as SqliteRow[]
    if (rows.length === 0) {
      yield emptyDone(context)
      return
    }
    after = BigInt(rows.at(-1)!.id as bigint)
    state.after = integerOf(after)
    const { records, rejects } = map(rows)
    const done = after >= last
    const checkpoint: FreqtradeCheckpoint = { after: state.after, done, files: state.files }
    yield { records, ...(rejects.length ? { rejects } : {}), checkpoint: { ...checkpoint } }
    if (done) return
  }
}

function emptyDone(context: ReadContext): SourceBatch {
  return { records: [], checkpoint: { after: context.state.after, done: true, files: context.state.files } }
}

/** A checkpoint this source wrote, or `undefined` (read everything) for anything else. */
function parseCheckpoint(from: Checkpoint | undefined): FreqtradeCheckpoint | undefined {
  if (typeof from !== 'object' || from === null || Array.isArray(from)) return undefined
  const { after, done, files } = from as Record<string, unknown>
  if (typeof done !== 'boolean') return undefined
  if (after !== null && typeof after !== 'number' && typeof after !== 'string') return undefined
  if (typeof after === 'string' && !/^-?\d+$/.test(after)) return undefined
  return { after: after as number | string | null, done, files: typeof files === 'string' ? files : null }
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
