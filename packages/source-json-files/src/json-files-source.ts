import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type {
  Checkpoint,
  PluginContext,
  Source,
  SourceBatch,
  SourcePlugin,
  StreamDescriptor,
} from '@ledgerport/core'
import {
  BatchBuilder,
  displayPath,
  type JsonItem,
  type Mapped,
  readJsonItems,
  SeenKeys,
} from '@ledgerport/source-kit'
import type { TradeOrderIds } from './order-keys.js'
import { mapPendingOrder } from './pending-orders.js'
import { mapFailedOrder, mapTrade, tradesContext } from './trades-history.js'

/** Options of the `json-files` source. */
export interface JsonFilesOptions {
  /** Folder with `trades_history.json` and `pending_orders.json`. */
  readonly dataDir: string
  /** This `trades_history.json` only (with `pendingOrders`, if given), instead of the data folder. */
  readonly tradesHistory?: string
  /** This `pending_orders.json` only (with `tradesHistory`, if given), instead of the data folder. */
  readonly pendingOrders?: string
}

/** Stream names. */
export const TRADES_HISTORY = 'trades_history'
export const PENDING_ORDERS = 'pending_orders'

/** Where a stream is: items consumed per section of its file. */
type SectionCounts = Record<string, number>

interface FileStream {
  readonly descriptor: StreamDescriptor
  readonly path: string
  readonly display: string
}

/**
 * The broker bot's `trades_history.json` (stream `trades_history`: round trips, orders, fills) and
 * `pending_orders.json` (stream `pending_orders`: orders), streamed with stream-json.
 */
export class JsonFilesSource implements Source {
  readonly #options: JsonFilesOptions
  readonly #context: PluginContext
  #streams: FileStream[] | undefined

  constructor(options: JsonFilesOptions, context: PluginContext) {
    this.#options = options
    this.#context = context
  }

  async discover(): Promise<ReadonlyArray<StreamDescriptor>> {
    return (await this.#files()).map((file) => file.descriptor)
  }

  read(stream: StreamDescriptor, from?: Checkpoint): AsyncIterable<SourceBatch> {
    return this.#read(stream, from)
  }

  /** Source records (trades and failed orders, or pending orders) in the stream's file. */
  async count(stream: StreamDescriptor): Promise<number> {
    const file = await this.#file(stream)
    let count = 0
    for await (const _ of readJsonItems(file.path, file.display, sectionsOf(stream.name))) count++
    return count
  }

  async close(): Promise<void> {}

  async *#read(stream: StreamDescriptor, from?: Checkpoint): AsyncGenerator<SourceBatch> {
    const file = await this.#file(stream)
    const skip = startOf(from)
    const consumed: SectionCounts = {}
    const batch = new BatchBuilder(this.#context.batchSize)
    const map = this.#mapper(
      stream.name,
      file.display,
      stream.name === PENDING_ORDERS ? await this.#tradeOrderIds() : undefined,
    )
    const checkpoint = (): Checkpoint => ({ file: file.display, ...consumed })
    for await (const item of readJsonItems(file.path, file.display, sectionsOf(stream.name))) {
      const section = item.section ?? defaultSection(stream.name)
      const mapped = map(item)
      consumed[section] = item.index + 1
      if (item.index < (skip[section] ?? 0)) continue
      batch.add(mapped)
      if (batch.full) yield batch.take(checkpoint())
    }
    if (!batch.empty) yield batch.take(checkpoint())
  }

  /** A fresh mapper per read: de-duplication state starts empty and is rebuilt while skipping. */
  #mapper(
    stream: string,
    display: string,
    trades?: { file: string; orderIds: TradeOrderIds },
  ): (item: JsonItem) => Mapped {
    const timezone = this.#context.timezone
    if (stream === TRADES_HISTORY) {
      const context = tradesContext(display, timezone)
      return (item) =>
        item.section === 'failed_orders' ? mapFailedOrder(context, item) : mapTrade(context, item)
    }
    const context = { file: display, timezone, seen: new SeenKeys(), ...(trades ? { trades } : {}) }
    return (item) => mapPendingOrder(context, item)
  }

  /**
   * The broker order ids of the orders the trades of this source's `trades_history.json` land as,
   * found by mapping its trades as stream `trades_history` does (a rejected or duplicate trade has
   * none). Read again for every read of `pending_orders`, so a trade the bot added since counts.
   * A file that breaks off gives the ids before the fault (its own stream fails there).
   */
  async #tradeOrderIds(): Promise<{ file: string; orderIds: TradeOrderIds } | undefined> {
    const file = (await this.#files()).find((f) => f.descriptor.name === TRADES_HISTORY)
    if (!file) return undefined
    const context = tradesContext(file.display, this.#context.timezone)
    try {
      for await (const item of readJsonItems(file.path, file.display, { sections: ['trades'] })) {
        mapTrade(context, item)
      }
    } catch {
      // Stream trades_history reports the fault; the trades before it stand.
    }
    return { file: file.display, orderIds: context.orderIds }
  }

  async #file(stream: StreamDescriptor): Promise<FileStream> {
    const file = (await this.#files()).find((f) => f.descriptor.name === stream.name)
    if (!file)
      throw new Error(`json-files has no stream ${stream.name} (it has trades_history, pending_orders).`)
    return file
  }

  async #files(): Promise<FileStream[]> {
    if (this.#streams) return this.#streams
    const { cwd } = this.#context
    const explicit = this.#options.tradesHistory !== undefined || this.#options.pendingOrders !== undefined
    const dataDir = resolve(cwd, this.#options.dataDir)
    const candidates: Array<[string, string | undefined, string]> = explicit
      ? [
          [TRADES_HISTORY, this.#options.tradesHistory, '--trades-history'],
          [PENDING_ORDERS, this.#options.pendingOrders, '--pending-orders'],
        ]
      : [
          [TRADES_HISTORY, join(dataDir, 'trades_history.json'), ''],
          [PENDING_ORDERS, join(dataDir, 'pending_orders.json'), ''],
        ]
    const streams: FileStream[] = []
    for (const [name, given, flag] of candidates) {
      if (given === undefined) continue
      const path = resolve(cwd, given)
      const display = displayPath(cwd, path)
      const info = await stat(path).catch(() => undefined)
      if (!info?.isFile()) {
        if (explicit)
          throw new Error(`${flag} ${display}: ${info ? 'is not a file' : 'no such file'}. Check the path.`)
        this.#context.warn(`${display} not found: stream ${name} is skipped.`)
        continue
      }
      streams.push({
        descriptor: {
          name,
          entities: name === TRADES_HISTORY ? ['round_trips', 'orders', 'fills'] : ['orders'],
          location: display,
        },
        path,
        display,
      })
    }
    if (streams.length === 0) {
      throw new Error(
        `No trades_history.json or pending_orders.json in ${displayPath(cwd, dataDir)}. Pass --data-dir DIR, or --trades-history FILE / --pending-orders FILE.`,
      )
    }
    this.#streams = streams
    return streams
  }
}

function sectionsOf(stream: string): { sections: string[] } {
  return { sections: stream === TRADES_HISTORY ? ['trades', 'failed_orders'] : ['orders'] }
}

function defaultSection(stream: string): string {
  return stream === TRADES_HISTORY ? 'trades' : 'orders'
}

/** Items to skip per section, from a checkpoint made by this source. */
export function startOf(from: Checkpoint | undefined): SectionCounts {
  const counts: SectionCounts = {}
  if (from && typeof from === 'object' && !Array.isArray(from)) {
    for (const [key, value] of Object.entries(from)) if (typeof value === 'number') counts[key] = value
  }
  return counts
}

/** The `json-files` source plugin: `ledgerport run --from json-files --data-dir data`. */
export const source: SourcePlugin<JsonFilesOptions> = {
  name: 'json-files',
  summary: "A broker bot's trades_history.json and pending_orders.json (orders, fills, round trips)",
  options: {
    dataDir: {
      type: 'string',
      description: 'folder with trades_history.json and pending_orders.json',
      default: 'data',
    },
    tradesHistory: {
      type: 'string',
      description:
        'read this trades_history.json (and --pending-orders, if given) instead of the data folder',
    },
    pendingOrders: {
      type: 'string',
      description:
        'read this pending_orders.json (and --trades-history, if given) instead of the data folder',
    },
  },
  create: (options, context) => new JsonFilesSource(options, context),
}
