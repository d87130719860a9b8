import {
  type Checkpoint,
  type PluginContext,
  type ReadOptions,
  redactSecrets,
  type Source,
  type SourceBatch,
  type SourcePlugin,
  type StreamDescriptor,
  urlSecrets,
} from '@ledgerport/core'
import {
  botStreams,
  countStream,
  loadSchema,
  parseCheckpoint,
  parseStreamName,
  type ReadState,
  type StreamKind,
  type StreamSettings,
  streamBatches,
  streamSettings,
} from '@ledgerport/freqtrade-mapping'
import { type Client, createClient } from '@libsql/client'
import { FileDatabase } from './file-database.js'
import { LibsqlRowReader } from './libsql-row-reader.js'
import { locateTursoBots, type TursoBot } from './locate-bots.js'

/** Options of the `turso` source. */
export interface TursoSourceOptions {
  /** The bots' databases (`--url`, repeatable or comma-separated): `libsql://`, `http(s)://`, `ws(s)://`, `file:`. */
  readonly url?: ReadonlyArray<string>
  /** Auth tokens (`--auth-token`, `TURSO_AUTH_TOKEN`): one for every URL, or one per URL in order. */
  readonly authToken?: ReadonlyArray<string>
  /** Bot ids, one per URL, instead of the ones derived from the database names (`--bot-id`). */
  readonly botId?: ReadonlyArray<string>
  /** The Turso organization (`--org`, `TURSO_ORG`), to find the database name in a host name. */
  readonly org?: string
}

/** One bot, with the connection it reads through once a stream needs it. */
interface Bot extends TursoBot {
  readonly authToken: string | undefined
  /** `file:` URLs: the file, read without changing it. */
  readonly file?: FileDatabase
  client?: Client
}

/**
 * Reads Freqtrade bot databases kept on Turso / libSQL (seed 003: one Turso database per bot,
 * `bot-USER-INSTANCE`, a cloud copy of its `tradesv3.sqlite`) into the canonical model, with
 * freqtrade-sqlite's mapping, streams and checkpoints: `BOT/bot`, `BOT/trades`, `BOT/orders`,
 * `BOT/balances`.
 *
 * Remote databases (`libsql://`, `http(s)://`, `ws(s)://`) are read through `@libsql/client` a page
 * at a time, each page its own request (a remote read transaction would expire), in primary-key
 * order; a stream resumes after the last key of its checkpoint. Their completed checkpoints cannot
 * tell whether the database changed since, so a stream given one reads nothing (`ledgerport run`
 * reads everything again; stored row digests keep unchanged rows from being mapped again).
 *
 * A `file:` URL is a local SQLite file, read through `@libsql/client` the way freqtrade-sqlite reads
 * one (read-only, in one read transaction, from a private copy where reading in place would create
 * files next to it; see {@link FileDatabase}), file signature and sync skip included.
 */
export class TursoSource implements Source {
  readonly #context: PluginContext
  readonly #bots: Map<string, Bot>
  /** Every secret of the options, to scrub from error messages. */
  readonly #secrets: string[]

  /**
   * A source for these options; connections are made on first use.
   *
   * @throws {Error} for URLs that name no bot (see `locateTursoBots`) or a token count that does not match.
   */
  constructor(options: TursoSourceOptions, context: PluginContext) {
    this.#context = context
    const tokens = options.authToken ?? []
    const located = locateTursoBots({
      url: options.url ?? [],
      ...(options.botId ? { botId: options.botId } : {}),
      ...(options.org ? { org: options.org } : {}),
      cwd: context.cwd,
    })
    if (tokens.length > 1 && tokens.length !== located.length)
      throw new Error(
        `--auth-token gives ${tokens.length} tokens for ${located.length} database(s): give one for all, or one per --url in order.`,
      )
    this.#secrets = [...tokens, ...located.flatMap((bot) => urlSecrets(bot.url))]
    for (const bot of located)
      if (urlSecrets(bot.url).length)
        context.warn(
          `--url ${bot.display} carries its auth token: the source never shows it, but a run's options (and its checkpoint scope) keep --url as given. Give tokens with --auth-token or TURSO_AUTH_TOKEN (one per --url) instead.`,
        )
    this.#bots = new Map(
      located.map((bot, index) => [
        bot.botId,
        {
          ...bot,
          authToken: tokens.length > 1 ? tokens[index] : tokens[0],
          ...(bot.path ? { file: new FileDatabase(bot.path) } : {}),
        },
      ]),
    )
  }

  /** Every bot's four streams (`BOT/bot`, `BOT/trades`, `BOT/orders`, `BOT/balances`). */
  async discover(): Promise<StreamDescriptor[]> {
    return [...this.#bots.values()].flatMap((bot) => botStreams(bot.botId, bot.display))
  }

  /** A stream's batches after checkpoint `from` (see the mapping's `streamBatches`). */
  read(stream: StreamDescriptor, from?: Checkpoint, options?: ReadOptions): AsyncIterable<SourceBatch> {
    const { bot, kind } = this.#stream(stream)
    const settings = streamSettings(
      { botId: bot.botId, file: bot.display, dryRun: bot.dryRun },
      this.#context,
      options,
    )
    return bot.file
      ? bot.file.read(kind, from, settings, (error) => this.#error(bot, error))
      : this.#readRemote(bot, kind, from, settings)
  }

  /** How many source rows a stream reads (for progress and `verify`). */
  async count(stream: StreamDescriptor): Promise<number> {
    const { bot, kind } = this.#stream(stream)
    if (kind === 'bot') return 1
    if (bot.file) return bot.file.count(kind)
    try {
      const reader = new LibsqlRowReader(this.#client(bot))
      return await countStream(reader, await loadSchema(reader), kind)
    } catch (error) {
      throw this.#error(bot, error)
    }
  }

  /** Closes the clients and removes the snapshot copies taken. */
  async close(): Promise<void> {
    for (const bot of this.#bots.values()) {
      bot.client?.close()
      bot.client = undefined
      bot.file?.close()
    }
  }

  #stream(stream: StreamDescriptor): { bot: Bot; kind: StreamKind } {
    const parsed = parseStreamName(stream.name)
    const bot = parsed && this.#bots.get(parsed.botId)
    if (!parsed || !bot) throw new Error(`turso has no stream ${stream.name}.`)
    return { bot, kind: parsed.kind }
  }

  /** The bot's client, created on first use (`intMode: 'bigint'`: see {@link LibsqlRowReader}). */
  #client(bot: Bot): Client {
    bot.client ??= createClient({
      url: bot.url,
      intMode: 'bigint',
      ...(bot.authToken ? { authToken: bot.authToken } : {}),
    })
    return bot.client
  }

  async *#readRemote(
    bot: Bot,
    kind: StreamKind,
    from: Checkpoint | undefined,
    settings: StreamSettings,
  ): AsyncGenerator<SourceBatch> {
    const previous = parseCheckpoint(from)
    if (previous?.done) {
      this.#context.warn(
        `bot ${bot.botId} (${bot.display}): ${kind} was read to its end before; a remote database has no change signature, so it is not read again from that checkpoint (\`ledgerport run\` reads it again).`,
      )
      yield { records: [], checkpoint: previous }
      return
    }
    const state: ReadState = { after: previous?.after ?? null, files: null }
    try {
      const reader = new LibsqlRowReader(this.#client(bot))
      const batches = streamBatches(kind, { ...settings, reader, schema: await loadSchema(reader), state })
      // Yielded straight from `next()`, never held in a variable: see the mapping's readLocalStream.
      while (batches.more) yield batches.next()
    } catch (error) {
      throw this.#error(bot, error)
    }
  }

  /** An error naming the database (never its secrets). */
  #error(bot: Bot, error: unknown): Error {
    const raw = error instanceof Error ? error.message : String(error)
    const message = redactSecrets(raw, this.#secrets)
    const named = message.includes(bot.display) ? message : `${bot.display}: ${message}`
    // The driver's error is not kept as the cause: what it holds (requests, headers) is not ours to show.
    return new Error(named)
  }
}

/** The `turso` source plugin: `--from turso`. */
export const source: SourcePlugin<TursoSourceOptions> = {
  name: 'turso',
  summary: 'Freqtrade bot databases on Turso / libSQL (libsql://, https://, file:), one database per bot',
  options: {
    url: {
      type: 'string[]',
      description:
        'a bot\u2019s database: libsql://bot-USER-INSTANCE-ORG.turso.io, https://\u2026, file:PATH (repeatable, or a comma list)',
      required: true,
    },
    authToken: {
      type: 'string[]',
      description: 'Turso auth token: one for every --url, or one per --url in order',
      env: 'TURSO_AUTH_TOKEN',
      secret: true,
    },
    botId: {
      type: 'string[]',
      description:
        'bot ids, one per --url, in order (default: INSTANCE of a bot-USER-INSTANCE database, else the file name)',
    },
    org: {
      type: 'string',
      description:
        'Turso organization, to tell the database name in a *.turso.io host (default: its last "-" part)',
      env: 'TURSO_ORG',
    },
  },
  create: (options, context) => {
    try {
      return new TursoSource(options, context)
    } catch (error) {
      // Messages are built from redacted URLs; the tokens are scrubbed too, whatever a caller passed.
      throw new Error(redactSecrets((error as Error).message, [...(options.authToken ?? [])]))
    }
  },
}
