import { realpathSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { redactUrl } from '@ledgerport/core'
import { locateDatabases } from '@ledgerport/freqtrade-mapping'

/** One bot's database on Turso / libSQL. */
export interface TursoBot {
  /** The bot id: `--bot-id`, else from the database name (see {@link locateTursoBots}). */
  readonly botId: string
  /** The URL as given; may carry `?authToken=`: never print it, print {@link TursoBot.display}. */
  readonly url: string
  /** The URL without secrets, or the file's absolute path: for locations and messages. */
  readonly display: string
  /** A database named `*dryrun*` (as Freqtrade's `tradesv3.dryrun.sqlite`) is a dry-run bot. */
  readonly dryRun: boolean
  /** For `file:` URLs: the database file's absolute path. */
  readonly path?: string
}

/** Where the bots are. */
export interface LocateTursoOptions {
  /** The databases (`--url`), each item also a comma-separated list. */
  readonly url: ReadonlyArray<string>
  /** Bot ids instead of the derived ones, one per URL in order (`--bot-id`). */
  readonly botId?: ReadonlyArray<string>
  /** The Turso organization, to take the database name out of a `*.turso.io` host name. */
  readonly org?: string
  /** The folder relative `file:` paths are resolved against. */
  readonly cwd: string
}

const REMOTE = /^(libsql|https?|wss?):\/\//i
const DRY_RUN = /(^|[._-])dry[._-]?run([._-]|$)/i
/** `bot-<user_id>-<instance_id>`, the seed's naming of a bot's Turso database. */
const BOT_DATABASE = /^bot-([^-]+)-(.+)$/

/**
 * The bots of `--url` (repeatable, or comma lists), in order. A bot's id is `--bot-id` (one per URL,
 * in order), else:
 * - a remote database named `bot-USER-INSTANCE` (seed 003's one database per bot): `INSTANCE`. A
 *   Turso Cloud host is `DATABASE-ORG.turso.io` (or `DATABASE-ORG.REGION.turso.io`): the database
 *   name is the first label without `-ORG` (`--org`, else its last `-` part); any other host's first
 *   label is the database name (sqld namespaces). Other names are the bot id as they are;
 * - a `file:` URL: what freqtrade-sqlite would call the file (`NAME/user_data/tradesv3.sqlite` →
 *   `NAME`, else the file's stem).
 *
 * @throws {Error} for a URL of another kind, a missing file, a bot id that cannot be derived (an IP
 *   address or `localhost`), a `--bot-id` count that does not match, or two URLs with one bot id.
 *   Messages never show a URL's secrets.
 */
export function locateTursoBots(options: LocateTursoOptions): TursoBot[] {
  const urls = options.url.flatMap((item) =>
    item
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  if (urls.length === 0)
    throw new Error(
      'Give the bots\u2019 databases: --url libsql://bot-USER-INSTANCE-ORG.turso.io (repeatable).',
    )
  const given = (options.botId ?? []).flatMap((item) =>
    item
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  if (given.length && given.length !== urls.length)
    throw new Error(
      `--bot-id names ${given.length} bot(s) but --url names ${urls.length} database(s) (${urls.map(redactUrl).join(', ')}): give one id per URL, in that order.`,
    )
  const bots = urls.map((url, index): TursoBot => {
    const explicit = given[index]
    if (/^file:/i.test(url)) {
      const file = fileOf(url, options.cwd)
      const [located] = locateDatabases({ db: [file], cwd: options.cwd })
      return {
        botId: explicit ?? located!.botId,
        url,
        display: located!.path,
        dryRun: located!.dryRun,
        path: located!.path,
      }
    }
    if (!REMOTE.test(url))
      throw new Error(
        `--url ${redactUrl(url)}: the turso source reads libsql://, https://, http://, wss://, ws:// and file: URLs.`,
      )
    const database = databaseName(url, options.org)
    const botId = explicit ?? (database === undefined ? undefined : botIdOf(database))
    if (botId === undefined)
      throw new Error(
        `--url ${redactUrl(url)}: the host names no database, so the bot id cannot be derived. Give --bot-id (one per --url).`,
      )
    return { botId, url, display: redactUrl(url), dryRun: DRY_RUN.test(database ?? '') }
  })
  // A file reached through a symbolic link is the same bot as the file: refuse to read it twice.
  const files = new Map<string, string>()
  for (const bot of bots) {
    if (bot.path === undefined) continue
    const real = realOf(bot.path)
    const other = files.get(real)
    if (other)
      throw new Error(
        `--url ${other} and --url ${bot.display} are the same database file (${real}, through a symbolic link): give it once.`,
      )
    files.set(real, bot.display)
  }
  const seen = new Map<string, string>()
  for (const bot of bots) {
    if (bot.botId === '' || bot.botId.includes('/'))
      throw new Error(
        `Bot id ${JSON.stringify(bot.botId)} of ${bot.display} must be non-empty and without "/".`,
      )
    const other = seen.get(bot.botId)
    if (other)
      throw new Error(
        `Two databases would be bot ${JSON.stringify(bot.botId)}: ${other} and ${bot.display}. Use --bot-id.`,
      )
    seen.set(bot.botId, bot.display)
  }
  return bots
}

function realOf(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

/** The bot id a database name gives: `INSTANCE` of `bot-USER-INSTANCE`, else the name. */
export function botIdOf(database: string): string {
  return BOT_DATABASE.exec(database)?.[2] ?? database
}

/**
 * The database a remote URL names, from its host: see {@link locateTursoBots}. `undefined` for an IP
 * address, `localhost` or a host without a dot.
 */
export function databaseName(url: string, org?: string): string | undefined {
  let host: string
  try {
    host = new URL(url).hostname.toLowerCase()
  } catch {
    return undefined
  }
  if (
    host === '' ||
    host === 'localhost' ||
    /^[\d.]+$/.test(host) ||
    host.startsWith('[') ||
    !host.includes('.')
  )
    return undefined
  const label = host.slice(0, host.indexOf('.'))
  if (!host.endsWith('.turso.io')) return label
  const suffix = org ? `-${org.toLowerCase()}` : undefined
  if (suffix && label.endsWith(suffix) && label.length > suffix.length) return label.slice(0, -suffix.length)
  const dash = label.lastIndexOf('-')
  return dash > 0 ? label.slice(0, dash) : label
}

/** The path of a `file:` URL (`file:rel.db`, `file:/abs.db`, `file:///abs.db`), resolved against `cwd`. */
function fileOf(url: string, cwd: string): string {
  const path = decodeURIComponent(url.replace(/^file:(\/\/(?=\/))?/i, '').replace(/[?#].*$/, ''))
  return isAbsolute(path) ? path : resolve(cwd, path)
}
