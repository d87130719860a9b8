import type {
  CanonicalRecord,
  Checkpoint,
  Duplicate,
  EntityName,
  PluginContext,
  Reject,
  Source,
  SourceBatch,
  SourcePlugin,
  StreamDescriptor,
} from '@ledgerport/core'
import type { MapContext, MapResult } from './map-context.js'
import { mapOrder } from './map-order.js'
import { mapSignal } from './map-signal.js'
import { mapSltpOrder } from './map-sltp-order.js'
import { mapTrade } from './map-trade.js'
import { mapTradeHistory } from './map-trade-history.js'
import { mapTradingSession } from './map-trading-session.js'
import { ReadNotes } from './read-notes.js'
import { idOf, textOf } from './row-reader.js'
import { resolveOrderKeys } from './source-keys.js'
import {
  type BybitV2Options,
  V2_COLUMNS,
  V2_KEY,
  V2_TABLES,
  V2Database,
  type V2Row,
  type V2Table,
} from './v2-database.js'
import { verifyBybitV2 } from './verify-bybit-v2.js'

/** The canonical tables each v2 table's stream writes. */
export const STREAM_ENTITIES: Readonly<Record<V2Table, ReadonlyArray<EntityName>>> = {
  trading_sessions: ['trading_sessions'],
  signals: ['signals'],
  trades: ['round_trips', 'orders', 'fills'],
  orders: ['orders'],
  sltp_orders: ['protective_orders'],
  bybit_trade_history: ['exchange_executions'],
}

/** Canonical records one v2 row gives at most, to size pages so a batch holds about `batchSize` records. */
const RECORDS_PER_ROW: Readonly<Record<V2Table, number>> = {
  trading_sessions: 1,
  signals: 1,
  trades: 5,
  orders: 1,
  sltp_orders: 2,
  bybit_trade_history: 1,
}

/**
 * The `bybit-v2` source: the legacy v2 Bybit bot database (PostgreSQL or SQLite), one stream per v2
 * table, into round trips, orders, fills, protective orders, signals, exchange executions and trading
 * sessions. See the package README for the mapping table.
 */
export const source: SourcePlugin<BybitV2Options> = {
  name: 'bybit-v2',
  summary:
    'The v2 Bybit bot database (PostgreSQL or SQLite): trades, orders, SL/TP orders, signals, trade history, sessions',
  options: {
    sourceUrl: {
      type: 'string',
      description: 'the v2 bot database: postgres://user:password@host/db or sqlite:v2.db (opened read-only)',
      required: true,
      secret: true,
      env: 'BYBIT_V2_URL',
    },
    sourceSchema: {
      type: 'string',
      description: 'PostgreSQL schema holding the v2 tables (default: the search_path)',
    },
  },
  create: (options, context) => BybitV2Source.open(options, context),
  verify: (options, target) => verifyBybitV2({ source: options, target }),
}

/** An open v2 database as a {@link Source}. */
export class BybitV2Source implements Source {
  readonly database: V2Database
  readonly #context: PluginContext
  #discovered = false

  private constructor(database: V2Database, context: PluginContext) {
    this.database = database
    this.#context = context
  }

  /** Opens the v2 database (read-only). */
  static async open(options: BybitV2Options, context: PluginContext): Promise<BybitV2Source> {
    return new BybitV2Source(await V2Database.open(options), context)
  }

  async discover(): Promise<ReadonlyArray<StreamDescriptor>> {
    const db = this.database
    const warn = (message: string): void => {
      if (!this.#discovered) this.#context.warn(message)
    }
    let trades: Awaited<ReturnType<V2Database['columns']>>
    try {
      trades = await db.columns('trades')
    } catch (error) {
      throw new Error(`Cannot read the v2 database ${db.where}: ${(error as Error).message}`, {
        cause: error,
      })
    }
    if (!trades?.has(V2_KEY)) {
      const hint = db.kind === 'postgres' ? ' and --source-schema' : ''
      throw new Error(
        trades
          ? `The trades table of ${db.where} has no id column, which the v2 bot's tables all have; is --source-url the v2 Bybit bot database?`
          : `${db.where} has no trades table, so it is not a v2 Bybit bot database (its tables are ${V2_TABLES.join(', ')}). Check --source-url${hint}.`,
      )
    }
    const streams: StreamDescriptor[] = []
    for (const table of V2_TABLES) {
      const columns = await db.columns(table)
      if (!columns) {
        warn(`The v2 table ${table} is missing from ${db.where}; nothing is read from it.`)
        continue
      }
      if (!columns.has(V2_KEY)) {
        warn(`The v2 table ${table} has no id column to read it by; nothing is read from it.`)
        continue
      }
      const missing = V2_COLUMNS[table].filter((column) => !columns.has(column))
      if (missing.length > 0)
        warn(
          `The v2 table ${table} has no column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ${missing.length > 1 ? 'they are' : 'it is'} read as empty.`,
        )
      streams.push({ name: table, entities: STREAM_ENTITIES[table], location: `${db.displayUrl} ${table}` })
    }
    this.#discovered = true
    return streams
  }

  async *read(stream: StreamDescriptor, from?: Checkpoint): AsyncIterable<SourceBatch> {
    const table = tableOf(stream)
    const pageSize = Math.max(1, Math.floor(this.#context.batchSize / RECORDS_PER_ROW[table]))
    const notes = new ReadNotes()
    const file = this.database.file
    const context: MapContext = {
      table,
      timeZone: this.#context.timezone,
      notes,
      ...(file ? { file } : {}),
    }
    let after = checkpointKey(from, stream.name)
    for (;;) {
      const rows = await this.database.page(table, after, pageSize)
      if (rows.length === 0) break
      const results = await this.#mapPage(table, rows, context)
      const records: CanonicalRecord[] = []
      const rejects: Reject[] = []
      const duplicates: Duplicate[] = []
      for (const result of results) {
        records.push(...result.records)
        rejects.push(...result.rejects)
        if (result.duplicates) duplicates.push(...result.duplicates)
      }
      after = keyValue(rows.at(-1)![V2_KEY])
      yield {
        records,
        ...(rejects.length ? { rejects } : {}),
        ...(duplicates.length ? { duplicates } : {}),
        checkpoint: { id: after },
      }
      if (rows.length < pageSize) break
    }
    for (const message of notes.messages()) this.#context.warn(message)
  }

  async count(stream: StreamDescriptor): Promise<number> {
    return this.database.count(tableOf(stream))
  }

  async close(): Promise<void> {
    await this.database.close()
  }

  async #mapPage(table: V2Table, rows: ReadonlyArray<V2Row>, context: MapContext): Promise<MapResult[]> {
    const db = this.database
    const texts = (columns: ReadonlyArray<string>): string[] =>
      rows.flatMap((row) => columns.map((c) => textOf(row[c], true))).filter((v): v is string => v !== null)
    const ids = (column: string): string[] =>
      rows.map((row) => idOf(row[column])).filter((v): v is string => v !== null)
    const existing = async (t: string, column: string, values: string[]) =>
      new Set((await db.minIds(t, column, values)).keys())
    switch (table) {
      case 'trades': {
        const links = {
          orderRows: await db.minIds('orders', 'order_id', texts(['order_id', 'close_order_id'])),
          signals: await existing('signals', 'id', ids('signal_id')),
          sessions: await existing('trading_sessions', 'session_id', texts(['session_id'])),
        }
        return rows.map((row) => mapTrade(row, links, context))
      }
      case 'orders': {
        const links = {
          trades: await existing('trades', 'id', ids('trade_id')),
          orders: await resolveOrderKeys(db, texts(['parent_order_id'])),
        }
        return rows.map((row) => mapOrder(row, links, context))
      }
      case 'sltp_orders': {
        const links = {
          trades: await existing('trades', 'id', ids('trade_id')),
          orders: await resolveOrderKeys(db, texts(['sl_order_id', 'tp_order_id'])),
        }
        return rows.map((row) => mapSltpOrder(row, links, context))
      }
      case 'signals':
        return rows.map((row) => mapSignal(row, context))
      case 'bybit_trade_history': {
        const orderIds = texts(['order_id'])
        const links = {
          orders: await resolveOrderKeys(db, orderIds),
          firstRows: await db.minIds('bybit_trade_history', 'order_id', orderIds),
        }
        return rows.map((row) => mapTradeHistory(row, links, context))
      }
      case 'trading_sessions': {
        const firstRows = await db.minIds('trading_sessions', 'session_id', texts(['session_id']))
        return rows.map((row) => mapTradingSession(row, firstRows, context))
      }
    }
  }
}

function tableOf(stream: StreamDescriptor): V2Table {
  if (!(V2_TABLES as ReadonlyArray<string>).includes(stream.name))
    throw new Error(
      `The bybit-v2 source has no stream ${stream.name} (its streams are ${V2_TABLES.join(', ')}).`,
    )
  return stream.name as V2Table
}

/** A key as stored in a checkpoint: a number when it is a safe integer, else its text. */
function keyValue(value: unknown): number | string {
  if (typeof value === 'number') return value
  const text = String(value)
  const number = Number(text)
  return /^-?\d+$/.test(text) && Number.isSafeInteger(number) ? number : text
}

function checkpointKey(from: Checkpoint | undefined, stream: string): number | string | undefined {
  if (from === undefined || from === null) return undefined
  if (typeof from === 'object' && !Array.isArray(from)) {
    const id = from.id
    if (typeof id === 'number' || typeof id === 'string') return id
  }
  throw new Error(
    `The checkpoint ${JSON.stringify(from)} of stream ${stream} was not written by the bybit-v2 source; start a fresh run (--fresh).`,
  )
}
