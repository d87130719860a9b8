import type {
  CanonicalRecord,
  Checkpoint,
  EntityName,
  PluginContext,
  ReadOptions,
  Reject,
  SourceBatch,
  SourceRowDigest,
  StoredDigest,
  StreamDescriptor,
} from '@ledgerport/core'
import { type BotFacts, mapWallet, readBot } from './map-bot.js'
import { mapOrder, orderExtra } from './map-order.js'
import { type CustomDataRow, mapTrade, tradeExtra } from './map-trade.js'
import { rowDigest } from './row-digest.js'
import type { FreqtradeRowReader, SqlStatement } from './row-reader.js'
import { rowMaker } from './rows.js'
import type { FreqtradeSchema } from './schema.js'
import { integerOf, plain, type SqliteRow, type SqliteValue, textOf } from './values.js'

/** Rows mapped between two yields to the event loop. */
const ROWS_BETWEEN_YIELDS = 50

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/** The streams of each bot, in the order they are read. */
export const STREAM_KINDS = ['bot', 'trades', 'orders', 'balances'] as const

/** What one stream of a bot reads. */
export type StreamKind = (typeof STREAM_KINDS)[number]

/** The canonical tables each stream writes. */
export const STREAM_ENTITIES: Readonly<Record<StreamKind, ReadonlyArray<EntityName>>> = {
  bot: ['bots'],
  trades: ['round_trips'],
  orders: ['orders', 'fills'],
  balances: ['balances'],
}

/** A bot's streams, each reading from `location` (its file, or its URL without secrets). */
export function botStreams(botId: string, location: string): StreamDescriptor[] {
  return STREAM_KINDS.map((kind) => ({ name: `${botId}/${kind}`, entities: STREAM_ENTITIES[kind], location }))
}

/** A stream name `BOT/KIND` taken apart, or `undefined` when it is not one. */
export function parseStreamName(name: string): { botId: string; kind: StreamKind } | undefined {
  const slash = name.lastIndexOf('/')
  const kind = name.slice(slash + 1) as StreamKind
  if (slash <= 0 || !STREAM_KINDS.includes(kind)) return undefined
  return { botId: name.slice(0, slash), kind }
}

/**
 * Where a stream stopped. `after`: the last primary key read (`null`: nothing yet); `done`: the whole
 * table was read; `files`: the database files' signature when reading began (`null` when the stream
 * was resumed after the files changed, so that the next sync reads it all again, or when the
 * database has no signature).
 */
export type FreqtradeCheckpoint = {
  /** The last primary key read (a number, or its digits past 2^53); `null`: nothing yet. */
  readonly after: number | string | null
  /** Whether the whole table was read. */
  readonly done: boolean
  /** The database files' signature when reading began, or `null`. */
  readonly files: string | null
}

/** A checkpoint these streams wrote, or `undefined` (read everything) for anything else. */
export function parseCheckpoint(from: Checkpoint | undefined): FreqtradeCheckpoint | undefined {
  if (typeof from !== 'object' || from === null || Array.isArray(from)) return undefined
  const { after, done, files } = from as Record<string, unknown>
  if (typeof done !== 'boolean') return undefined
  if (after !== null && typeof after !== 'number' && typeof after !== 'string') return undefined
  if (typeof after === 'string' && !/^-?\d+$/.test(after)) return undefined
  return { after: after as number | string | null, done, files: typeof files === 'string' ? files : null }
}

/** How far a stream has read, and the signature its checkpoints carry. */
export interface ReadState {
  /** The last primary key read; `null`: nothing yet. The streams move it on as they read. */
  after: number | string | null
  /** The signature every checkpoint of the stream carries (`null`: none). */
  readonly files: string | null
}

/** Everything a stream reads with. */
export interface StreamContext {
  /** The database, through the driver. */
  readonly reader: FreqtradeRowReader
  /** What the database holds (the mapping's `loadSchema`). */
  readonly schema: FreqtradeSchema
  /** The bot; `file` (its file, or its URL without secrets) goes into every location and message. */
  readonly bot: BotFacts
  /** Where the stream starts, and how far it has read. */
  readonly state: ReadState
  /** Records per batch (at most). */
  readonly batchSize: number
  /** Reports what is not migrated (tables, orphans); shown in the run's summary. */
  readonly warn: (message: string) => void
  /** The engine's digests of rows earlier runs mapped (absent with `--full`): unchanged rows are skipped. */
  readonly storedDigests?: ReadOptions['storedDigests']
}

/** What a stream reads with besides its database: a {@link StreamContext} but reader, schema and state. */
export type StreamSettings = Omit<StreamContext, 'reader' | 'schema' | 'state'>

/** The settings of `bot`'s streams in a run with this plugin context and these read options. */
export function streamSettings(
  bot: BotFacts,
  context: PluginContext,
  options: ReadOptions | undefined,
): StreamSettings {
  return {
    bot,
    batchSize: Math.max(1, context.batchSize),
    warn: (message) => context.warn(message),
    ...(options?.storedDigests ? { storedDigests: options.storedDigests } : {}),
  }
}

/** A stream's batches, read one at a time on `next()` while `more` holds. */
export interface Batches {
  /** Whether {@link Batches.next} has another batch. */
  readonly more: boolean
  /** Reads and maps the next batch. */
  next(): Promise<SourceBatch>
}

/** Below every SQLite integer key. */
const MIN_KEY = -(2n ** 63n)
/** Above every SQLite integer key. */
const MAX_KEY = 2n ** 63n - 1n

/**
 * Source values a batch holds at most, a row's columns counted once per record it makes (besides at
 * most the batch size in records). The engine holds two batches at once (one written while the next
 * is prepared), so a batch is bounded by width too: 1,886 `trades` rows (53 columns), 1,666 `orders`
 * rows (30 columns, an order and its fill), about 4 MB of canonical rows either way.
 */
const VALUES_PER_BATCH = 100_000

/**
 * One stream of a bot as batches: `bot` (one `bots` record, and the notes on what is not migrated),
 * `trades` (`round_trips`, with trade custom data), `orders` (`orders`, and a `fills` record per order
 * that filled anything) or `balances` (`wallet_history`). The keyed streams read pages in primary-key
 * order after `context.state.after`; each batch's checkpoint is its last key.
 */
export function streamBatches(kind: StreamKind, context: StreamContext): Batches {
  switch (kind) {
    case 'bot':
      return oneBatch(() => botBatch(context))
    case 'trades':
      return readTrades(context)
    case 'orders':
      return readOrders(context)
    case 'balances':
      return readBalances(context)
  }
}

/** How many source rows a stream reads (for progress and `verify`). */
export async function countStream(
  reader: FreqtradeRowReader,
  schema: FreqtradeSchema,
  kind: StreamKind,
): Promise<number> {
  if (kind === 'bot') return 1
  const table =
    kind === 'trades'
      ? 'trades'
      : kind === 'orders'
        ? schema.orders && 'orders'
        : schema.wallet && 'wallet_history'
  if (!table) return 0
  const [row] = await reader.all({ sql: `SELECT count(*) AS n FROM ${table}`, args: [] })
  return Number(row?.n ?? 0)
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

async function botBatch(context: StreamContext): Promise<SourceBatch> {
  const { reader, bot, schema, state, warn } = context
  const where = `bot ${bot.botId} (${bot.file})`
  if (!schema.orders)
    warn(
      `${where}: no orders table (Freqtrade ${schema.generation}, before 2020.9): round trips only, without orders or fills.`,
    )
  for (const table of schema.otherTables) {
    const [row] = await reader.all({ sql: `SELECT count(*) AS n FROM ${quote(table)}`, args: [] })
    warn(`${where}: table ${table} (${Number(row?.n ?? 0)} rows) is not migrated.`)
  }
  if (schema.backupTables.length)
    warn(
      `${where}: skipped the backup tables Freqtrade's migrations left: ${schema.backupTables.join(', ')}.`,
    )
  if (schema.customData) {
    const [row] = await reader.all({
      sql: 'SELECT count(*) AS n FROM trade_custom_data d WHERE d.ft_trade_id <> 0 AND NOT EXISTS (SELECT 1 FROM trades t WHERE t.id = d.ft_trade_id)',
      args: [],
    })
    const orphans = Number(row?.n ?? 0)
    if (orphans) warn(`${where}: ${orphans} trade_custom_data rows belong to no trade and are not migrated.`)
  }
  const { record, rejects } = await readBot(reader, schema, bot)
  return { records: [record], rejects, checkpoint: { after: null, done: true, files: state.files } }
}

/** A stream of one batch. */
function oneBatch(read: () => Promise<SourceBatch>): Batches {
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

/** How {@link keyset} turns a page's rows into records. */
interface BatchMapper {
  /** A query run before each page's rows, in the same snapshot, for what belongs to them. */
  readonly side?: {
    /** The query for the page of at most `limit` rows after the key `after`. */
    statement(after: bigint, limit: number): SqlStatement
    /** Receives its rows before the page's rows are mapped. */
    use(rows: SqliteRow[]): void
  }
  /** Maps one row, adding to the batch's records and rejects; the row is not kept. */
  readonly row: (row: SqliteRow, records: CanonicalRecord[], rejects: Reject[]) => void
  /**
   * The digest of a row's values (in the query's column order) and whatever else its records are
   * made of (see {@link rowDigest}).
   */
  readonly digest: (values: ReadonlyArray<SqliteValue>) => string
  /** Called instead of `row` for a row skipped because its digest is unchanged. */
  readonly skip?: (values: ReadonlyArray<SqliteValue>) => void
  /** Called once after the last batch. */
  readonly end?: () => void
}

/** What {@link keyset} reads. */
interface KeysetQuery {
  /** The table whose `id` is the key. */
  readonly table: string
  /** `SELECT … FROM table alias …`, without `WHERE`. */
  readonly select: string
  /** The key column, qualified (`t.id`). */
  readonly key: string
  /** Records one row makes at most. */
  readonly recordsPerRow: number
  /** The mapper for rows with these columns. */
  readonly mapperFor: (columns: ReadonlyArray<string>) => BatchMapper
}

function readTrades(context: StreamContext): Batches {
  const { bot, schema } = context
  const entrySide = schema.trades.has('is_short')
    ? "CASE WHEN t.is_short THEN 'sell' ELSE 'buy' END"
    : "'buy'"
  const orderRefs = schema.orders
    ? `, (SELECT min(o.id) FROM orders o WHERE o.ft_trade_id = t.id AND o.ft_order_side = ${entrySide}) AS __entry_order,
         (SELECT max(o.id) FROM orders o WHERE o.ft_trade_id = t.id AND o.ft_order_side <> ${entrySide} AND o.filled > 0) AS __exit_order`
    : ''
  // The custom data of a page's trades: the page's key range is (after, the key `limit` trades on].
  const customData =
    'SELECT * FROM trade_custom_data WHERE ft_trade_id > ? AND ft_trade_id <= (SELECT max(id) FROM (SELECT id FROM trades WHERE id > ? ORDER BY id LIMIT ?)) ORDER BY ft_trade_id, id'
  const botContext = { botId: bot.botId, file: bot.file }
  const none: CustomDataRow[] = []
  // The page's custom data by trade id; only trades that have some are in it.
  const byTrade = new Map<string, CustomDataRow[]>()
  const customDataOf = (id: SqliteValue | undefined) =>
    byTrade.size ? (byTrade.get(String(plain(id))) ?? none) : none
  return keyset(context, {
    table: 'trades',
    select: `SELECT t.*${orderRefs} FROM trades t`,
    key: 't.id',
    recordsPerRow: 1,
    mapperFor: (columns) => {
      const extra = tradeExtra(columns)
      const idAt = columns.indexOf('id')
      return {
        ...(schema.customData
          ? {
              side: {
                statement: (after: bigint, limit: number) => ({
                  sql: customData,
                  args: [after, after, limit],
                }),
                use: (rows: SqliteRow[]) => {
                  byTrade.clear()
                  for (const row of rows) {
                    const key = String(plain(row.ft_trade_id))
                    const list = byTrade.get(key)
                    if (list) list.push(row)
                    else byTrade.set(key, [row])
                  }
                },
              },
            }
          : {}),
        row: (row, records, rejects) => {
          const mapped = mapTrade(row, botContext, customDataOf(row.id), extra)
          if ('record' in mapped) records.push(mapped.record)
          else rejects.push(mapped.reject)
        },
        digest: (values) => rowDigest(values, customDataOf(values[idAt])),
      }
    },
  })
}

function readOrders(context: StreamContext): Batches {
  const { bot, schema, warn } = context
  if (!schema.orders) return oneBatch(async () => emptyDone(context))
  const t = (column: string) => schema.trades.has(column)
  const select = `SELECT o.*, t.id AS __trade_id, t.exchange AS __exchange${t('strategy') ? ', t.strategy AS __strategy' : ''}${t('is_short') ? ', t.is_short AS __is_short' : ''}
      FROM orders o LEFT JOIN trades t ON t.id = o.ft_trade_id`
  const botContext = { botId: bot.botId, file: bot.file }
  const orphans: string[] = []
  let orphanCount = 0
  const orphan = (id: SqliteValue | undefined, tradeId: SqliteValue | undefined) => {
    orphanCount++
    if (orphans.length < 10) orphans.push(`${String(plain(id))} (trade ${String(plain(tradeId))})`)
  }
  return keyset(context, {
    table: 'orders',
    select,
    key: 'o.id',
    recordsPerRow: 2,
    mapperFor: (columns) => {
      const extra = orderExtra(columns)
      const idAt = columns.indexOf('id')
      const ftTradeIdAt = columns.indexOf('ft_trade_id')
      const tradeIdAt = columns.indexOf('__trade_id')
      return {
        row: (row, records, rejects) => {
          const mapped = mapOrder(row, botContext, extra)
          for (const record of mapped.records) records.push(record)
          for (const reject of mapped.rejects) rejects.push(reject)
          if (mapped.orphan) orphan(row.id, row.ft_trade_id)
        },
        digest: (values) => rowDigest(values),
        skip: (values) => {
          if (values[tradeIdAt] === null || values[tradeIdAt] === undefined)
            orphan(values[idAt], values[ftTradeIdAt])
        },
        end: () => {
          if (orphanCount)
            warn(
              `bot ${bot.botId} (${bot.file}): ${orphanCount} orders belong to no trade (ids ${orphans.join(', ')}${orphanCount > orphans.length ? ', …' : ''}); kept without a round trip.`,
            )
        },
      }
    },
  })
}

function readBalances(context: StreamContext): Batches {
  const { bot, reader, schema } = context
  if (!schema.wallet) return oneBatch(async () => emptyDone(context))
  const botContext = { botId: bot.botId, file: bot.file }
  let exchange: string | null = null
  const keyed = keyset(context, {
    table: 'wallet_history',
    select: 'SELECT w.* FROM wallet_history w',
    key: 'w.id',
    recordsPerRow: 1,
    mapperFor: () => ({
      row: (row, records, rejects) => {
        const mapped = mapWallet(row, botContext, exchange)
        if ('record' in mapped) records.push(mapped.record)
        else rejects.push(mapped.reject)
      },
      digest: (values) => rowDigest(values, exchange),
    }),
  })
  let started = false
  return {
    get more() {
      return keyed.more
    },
    async next() {
      if (!started) {
        started = true
        const [latest] = await reader.all({
          sql: 'SELECT exchange FROM trades ORDER BY id DESC LIMIT 1',
          args: [],
        })
        exchange = latest ? (textOf(latest, 'exchange')?.trim().toLowerCase() ?? null) : null
      }
      return keyed.next()
    },
  }
}

/**
 * Reads a query in primary-key order after `context.state.after`, a page per batch: at most the
 * batch size in records (a row makes up to `recordsPerRow`) and {@link VALUES_PER_BATCH} source
 * values. Each batch has a checkpoint after its last key. Rows are handed over one at a time and
 * mapped at once: a batch holds its records, never its source rows, and nothing here holds a batch
 * once it is returned, so memory stays flat whatever the table's size. The stream ends at the
 * largest key the table had when it began.
 */
function keyset(context: StreamContext, query: KeysetQuery): Batches {
  const { reader, state } = context
  const rows = `${query.select} WHERE ${query.key} > ? ORDER BY ${query.key} LIMIT ?`
  let after = state.after === null ? MIN_KEY : BigInt(state.after)
  let more = true
  let plan:
    | {
        last: bigint
        rowsPerBatch: number
        mapper: BatchMapper
        toRow: (values: ReadonlyArray<SqliteValue>) => SqliteRow
        idAt: number
      }
    | undefined
  /**
   * A page's value arrays, collected first (a bounded number of rows, see VALUES_PER_BATCH), and the
   * engine's digests of their keys, looked up before they are mapped. Its side rows (a trades page's
   * custom data) replace the previous page's, so a page is fetched only once the one before it is
   * mapped.
   */
  const fetchPage = (from: bigint): Promise<FetchedPage> => {
    const { rowsPerBatch, mapper, idAt } = plan!
    const statement = { sql: rows, args: [from, rowsPerBatch] }
    const side = mapper.side && { statement: mapper.side.statement(from, rowsPerBatch), use: mapper.side.use }
    const fetched = (async () => {
      const page: SqliteValue[][] = []
      await reader.page(statement, (values) => page.push(values), side)
      const keys = page.map((values) => String(plain(values[idAt])))
      const lookup = context.storedDigests && page.length ? context.storedDigests(keys) : undefined
      // The rows are digested while the lookup is on its way: let it leave first.
      if (lookup) await yieldToEventLoop()
      const digests = new Array<string>(page.length)
      for (let index = 0; index < page.length; index++) {
        if (index % ROWS_BETWEEN_YIELDS === ROWS_BETWEEN_YIELDS - 1) await yieldToEventLoop()
        digests[index] = mapper.digest(page[index]!)
      }
      return { page, keys, digests, stored: await lookup }
    })()
    // Awaited by the next call; a stream given up before then must not leave it unhandled.
    fetched.catch(() => {})
    return fetched
  }
  let prefetched: Promise<FetchedPage> | undefined
  return {
    get more() {
      return more
    },
    async next() {
      if (!plan) {
        const [top] = await reader.all({ sql: `SELECT max(id) AS id FROM ${query.table}`, args: [] })
        const max = top?.id
        if (max === null || max === undefined || after >= BigInt(max as bigint)) {
          more = false
          return emptyDone(context)
        }
        const columns = await reader.resultColumns({ sql: rows, args: [MAX_KEY, 0] })
        const idAt = columns.indexOf('id')
        if (idAt < 0) throw new Error(`${query.table} has no id column`)
        plan = {
          last: BigInt(max as bigint),
          rowsPerBatch: Math.max(
            1,
            Math.min(
              Math.ceil(context.batchSize / query.recordsPerRow),
              Math.floor(VALUES_PER_BATCH / (columns.length * query.recordsPerRow)),
            ),
          ),
          mapper: query.mapperFor(columns),
          toRow: rowMaker(columns),
          idAt,
        }
      }
      const { last, mapper, toRow, idAt } = plan
      const records: CanonicalRecord[] = []
      const rejects: Reject[] = []
      const digests: SourceRowDigest[] = []
      let skipped = 0
      // Skips a row whose stored digest is unchanged (it is never made an object), else maps it and
      // keeps its digest, unless it was rejected: a rejected row is read, and rejected, again.
      const take = (values: SqliteValue[], key: string, digest: string, stored: StoredDigest | undefined) => {
        if (stored !== undefined && stored.digest === digest) {
          skipped += stored.records
          mapper.skip?.(values)
          return
        }
        const before = records.length
        const rejected = rejects.length
        mapper.row(toRow(values), records, rejects)
        if (rejects.length === rejected) digests.push({ key, digest, records: records.length - before })
      }
      const { page, keys, digests: pageDigests, stored } = await (prefetched ?? fetchPage(after))
      prefetched = undefined
      for (let index = 0; index < page.length; index++) {
        // Yield now and then: the engine's previous batch gets its query replies handled meanwhile.
        if (index % ROWS_BETWEEN_YIELDS === ROWS_BETWEEN_YIELDS - 1) await yieldToEventLoop()
        take(page[index]!, keys[index]!, pageDigests[index]!, stored?.get(keys[index]!))
      }
      const batchLast = page.at(-1)?.[idAt]
      if (batchLast === undefined || batchLast === null) {
        more = false
        mapper.end?.()
        return emptyDone(context)
      }
      after = BigInt(batchLast as bigint)
      state.after = integerOf(after)
      const done = after >= last
      if (done) {
        more = false
        mapper.end?.()
      } else if (context.storedDigests) {
        // The next page is read, and its digests looked up, while the engine writes this batch.
        prefetched = fetchPage(after)
      }
      const checkpoint: FreqtradeCheckpoint = { after: state.after, done, files: state.files }
      return {
        records,
        ...(rejects.length ? { rejects } : {}),
        ...(digests.length ? { digests } : {}),
        ...(skipped ? { skipped } : {}),
        checkpoint: { ...checkpoint },
      }
    },
  }
}

/** A page read ahead by {@link keyset}. */
interface FetchedPage {
  readonly page: SqliteValue[][]
  readonly keys: string[]
  /** Every row's digest, in page order. */
  readonly digests: string[]
  readonly stored: ReadonlyMap<string, StoredDigest> | undefined
}

function emptyDone(context: StreamContext): SourceBatch {
  return { records: [], checkpoint: { after: context.state.after, done: true, files: context.state.files } }
}
