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
import { mapOrder, orderExtra } from './map-order.js'
import { type CustomDataRow, mapTrade, tradeExtra } from './map-trade.js'
import { prepareRows } from './rows.js'
import { type FreqtradeSchema, readSchema } from './schema.js'
import { integerOf, plain, type SqliteRow, type SqliteValue, textOf } from './values.js'

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

/**
 * Source values a batch holds at most, a row's columns counted once per record it makes (besides at
 * most the batch size in records). The engine holds two batches at once (one written while the next
 * is prepared), so a batch is bounded by width too: 1,886 `trades` rows (53 columns), 1,666 `orders`
 * rows (30 columns, an order and its fill), about 4 MB of canonical rows either way.
 */
const VALUES_PER_BATCH = 100_000

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
      // The streams read each page once, in key order: SQLite's page cache (16 MB in better-sqlite3)
      // would only hold pages already read.
      db.pragma('cache_size = -2000')
      db.exec('BEGIN')
      const schema = readSchema(db)
      const context = { bot, db, schema, state, batchSize: Math.max(1, this.#context.batchSize) }
      const batches =
        kind === 'bot'
          ? oneBatch(() => this.#readBot(context))
          : kind === 'trades'
            ? readTrades(context)
            : kind === 'orders'
              ? this.#readOrders(context)
              : readBalances(context)
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

  #readBot(context: ReadContext): SourceBatch {
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
    return { records: [record], rejects, checkpoint: { after: null, done: true, files: state.files } }
  }

  #readOrders(context: ReadContext): Batches {
    const { bot, schema } = context
    if (!schema.orders) return oneBatch(() => emptyDone(context))
    const t = (column: string) => schema.trades.has(column)
    const select = `SELECT o.*, t.id AS __trade_id, t.exchange AS __exchange${t('strategy') ? ', t.strategy AS __strategy' : ''}${t('is_short') ? ', t.is_short AS __is_short' : ''}
      FROM orders o LEFT JOIN trades t ON t.id = o.ft_trade_id`
    const botContext = { botId: bot.botId, file: bot.path }
    const orphans: string[] = []
    let orphanCount = 0
    return keyset(context, 'orders', select, 'o.id', 2, (columns) => {
      const extra = orderExtra(columns)
      return {
        row: (row, records, rejects) => {
          const mapped = mapOrder(row, botContext, extra)
          for (const record of mapped.records) records.push(record)
          for (const reject of mapped.rejects) rejects.push(reject)
          if (mapped.orphan) {
            orphanCount++
            if (orphans.length < 10)
              orphans.push(`${String(plain(row.id))} (trade ${String(plain(row.ft_trade_id))})`)
          }
        },
        end: () => {
          if (orphanCount)
            this.#context.warn(
              `bot ${bot.botId} (${bot.path}): ${orphanCount} orders belong to no trade (ids ${orphans.join(', ')}${orphanCount > orphans.length ? ', …' : ''}); kept without a round trip.`,
            )
        },
      }
    })
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

/** A stream's batches, read one at a time on `next()` while `more` holds. */
interface Batches {
  readonly more: boolean
  next(): SourceBatch
}

/** A stream of one batch. */
function oneBatch(read: () => SourceBatch): Batches {
  let more = true
  return {
    get more() {
      return more
    },
    next() {
      more = false
      return read()
    },
  }
}

/** How {@link keyset} turns a batch's rows into records. */
interface BatchMapper {
  /**
   * Called before the rows of each batch with its key range `(after, last]`; with it, a batch is
   * that range (found first), so that what belongs to its rows can be read before them.
   */
  readonly begin?: (after: bigint, last: bigint) => void
  /** Maps one row, adding to the batch's records and rejects; the row is not kept. */
  readonly row: (row: SqliteRow, records: CanonicalRecord[], rejects: Reject[]) => void
  /** Called once after the last batch. */
  readonly end?: () => void
}

function readTrades(context: ReadContext): Batches {
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
        .prepare(
          'SELECT * FROM trade_custom_data WHERE ft_trade_id > ? AND ft_trade_id <= ? ORDER BY ft_trade_id, id',
        )
        .safeIntegers(true)
    : undefined
  const botContext = { botId: bot.botId, file: bot.path }
  const none: CustomDataRow[] = []
  // The batch's custom data by trade id; only trades that have some are in it.
  const byTrade = new Map<string, CustomDataRow[]>()
  return keyset(context, 'trades', `SELECT t.*${orderRefs} FROM trades t`, 't.id', 1, (columns) => {
    const extra = tradeExtra(columns)
    return {
      ...(customData
        ? {
            begin: (after: bigint, last: bigint) => {
              byTrade.clear()
              for (const row of customData.all(after, last) as SqliteRow[]) {
                const key = String(plain(row.ft_trade_id))
                const list = byTrade.get(key)
                if (list) list.push(row)
                else byTrade.set(key, [row])
              }
            },
          }
        : {}),
      row: (row, records, rejects) => {
        const mapped = mapTrade(
          row,
          botContext,
          byTrade.size ? (byTrade.get(String(plain(row.id))) ?? none) : none,
          extra,
        )
        if ('record' in mapped) records.push(mapped.record)
        else rejects.push(mapped.reject)
      },
    }
  })
}

function readBalances(context: ReadContext): Batches {
  const { bot, db, schema } = context
  if (!schema.wallet) return oneBatch(() => emptyDone(context))
  const latest = db.prepare('SELECT exchange FROM trades ORDER BY id DESC LIMIT 1').get() as
    | SqliteRow
    | undefined
  const exchange = latest ? (textOf(latest, 'exchange')?.trim().toLowerCase() ?? null) : null
  const botContext = { botId: bot.botId, file: bot.path }
  return keyset(context, 'wallet_history', 'SELECT w.* FROM wallet_history w', 'w.id', 1, () => ({
    row: (row, records, rejects) => {
      const mapped = mapWallet(row, botContext, exchange)
      if ('record' in mapped) records.push(mapped.record)
      else rejects.push(mapped.reject)
    },
  }))
}

/**
 * Reads `select` in primary-key order after `context.state.after`, a batch at a time: at most the
 * batch size in records (a row makes up to `recordsPerRow`) and {@link VALUES_PER_BATCH} source
 * values. Reads inside the open read transaction; each batch has a
 * checkpoint after its last key. Rows are read one at a time and mapped at once (see
 * {@link prepareRows}): a batch holds its records, never its source rows, and nothing here holds a
 * batch once it is returned, so memory stays flat whatever the table's size.
 */
function keyset(
  context: ReadContext,
  table: string,
  select: string,
  key: string,
  recordsPerRow: number,
  mapperFor: (columns: ReadonlyArray<string>) => BatchMapper,
): Batches {
  const { db, state } = context
  const max = (db.prepare(`SELECT max(id) AS id FROM ${table}`).safeIntegers(true).get() as SqliteRow).id
  const last = max === null || max === undefined ? undefined : BigInt(max as bigint)
  let after = state.after === null ? MIN_KEY : BigInt(state.after)
  if (last === undefined || after >= last) return oneBatch(() => emptyDone(context))
  const ranged = prepareRows(db, `${select} WHERE ${key} > ? AND ${key} <= ? ORDER BY ${key}`)
  const rowsPerBatch = Math.max(
    1,
    Math.min(
      Math.ceil(context.batchSize / recordsPerRow),
      Math.floor(VALUES_PER_BATCH / (ranged.columns.length * recordsPerRow)),
    ),
  )
  const { begin, row: mapRow, end } = mapperFor(ranged.columns)
  // With `begin`, a batch is a key range found first (the key `rowsPerBatch` rows on, or the last one).
  const upTo = begin
    ? db
        .prepare(`SELECT id FROM ${table} WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?`)
        .pluck()
        .safeIntegers(true)
    : undefined
  const rows = upTo ? ranged : prepareRows(db, `${select} WHERE ${key} > ? ORDER BY ${key} LIMIT ?`)
  let more = true
  return {
    get more() {
      return more
    },
    next() {
      const records: CanonicalRecord[] = []
      const rejects: Reject[] = []
      let batchLast: SqliteValue | undefined
      let batchRows: Iterable<SqliteRow>
      if (upTo && begin) {
        const through = (upTo.get(after, rowsPerBatch - 1) as bigint | undefined) ?? last
        begin(after, through)
        batchRows = rows.iterate(after, through)
      } else batchRows = rows.iterate(after, rowsPerBatch)
      for (const row of batchRows) {
        batchLast = row.id
        mapRow(row, records, rejects)
      }
      if (batchLast === undefined || batchLast === null) {
        more = false
        end?.()
        return emptyDone(context)
      }
      after = BigInt(batchLast as bigint)
      state.after = integerOf(after)
      const done = after >= last
      if (done) {
        more = false
        end?.()
      }
      const checkpoint: FreqtradeCheckpoint = { after: state.after, done, files: state.files }
      return { records, ...(rejects.length ? { rejects } : {}), checkpoint: { ...checkpoint } }
    },
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
