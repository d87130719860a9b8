import { type Dirent, lstatSync, readdirSync, realpathSync, type Stats, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'

/** One bot's database. */
export interface BotDatabase {
  /** The bot id: the instance folder's name, the file's stem, or `--bot-id`. */
  readonly botId: string
  /** Absolute path of the SQLite file. */
  readonly path: string
  /** `tradesv3.dryrun.sqlite` (or any file named `*dryrun*`) is a dry-run bot. */
  readonly dryRun: boolean
  /**
   * Set when the bot's entry of `--instances-dir` cannot be read (a symbolic link loop, a dangling
   * link, no permission): reading this bot fails with this message; the other bots are read.
   */
  readonly error?: string
}

/** Where to look. */
export interface LocateOptions {
  /** Database files (`--db`), each item also a comma-separated list. */
  readonly db?: ReadonlyArray<string>
  /** A folder of bot instances (`--instances-dir`). */
  readonly instancesDir?: string
  /** Bot ids instead of the derived ones, one per database in order (`--bot-id`). */
  readonly botId?: ReadonlyArray<string>
  /** The folder relative paths are resolved against. */
  readonly cwd: string
  /** Told once per alias: an entry that is a symbolic link to a bot already found (the same bot). */
  readonly warn?: (message: string) => void
}

/** A database found: its path, its instance folder's name, and where it really is. */
interface Found {
  readonly path: string
  readonly instance: string | undefined
  /** The real path (symbolic links resolved): one bot per real file. */
  readonly real: string
  /** Found through a symbolic link of `--instances-dir` (an alias when the target is found too). */
  readonly viaLink: boolean
  readonly error?: string
}

/** Freqtrade's default names: `tradesv3.sqlite`, `tradesv3.dryrun.sqlite`. */
const TRADESV3 = /^tradesv3(\..+)?\.sqlite$/i
const SQLITE_FILE = /\.sqlite$/i
const DRY_RUN = /(^|[._-])dry[._-]?run([._-]|$)/i

/**
 * Finds the bots' databases:
 * - `--db FILE` (repeatable, or a comma-separated list): each file; the bot id is the instance folder
 *   (`NAME/user_data/tradesv3.sqlite` → `NAME`, `NAME/tradesv3.sqlite` → `NAME`), or the file's stem
 *   for other names (`bot-a.sqlite` → `bot-a`);
 * - `--instances-dir DIR`: every `DIR/NAME/user_data/*.sqlite` and `DIR/NAME/*.sqlite` (bot id
 *   `NAME`), and every `DIR/*.sqlite` (bot id: the file's stem).
 * Bot ids must be unique: an instance with several databases gets `NAME` for `tradesv3.sqlite` and
 * `NAME.dryrun` for `tradesv3.dryrun.sqlite`. `--bot-id` overrides the ids, one per database in
 * this order (files of `--db` as given, then the instances dir's in name order).
 *
 * Bots are told apart by real path: a symbolic link to a bot folder or file that is found too is an
 * alias of that bot (read once, under the real folder's name; `warn` is told). An entry that cannot
 * be read (a loop of links, a dangling link, no permission) is a bot with an `error`, so that only
 * that bot fails.
 *
 * @throws {Error} for a missing folder or file, no database at all, duplicate ids, or a `--bot-id`
 *   count that does not match.
 */
export function locateDatabases(options: LocateOptions): BotDatabase[] {
  const found: Found[] = []
  for (const item of splitList(options.db ?? [], options.cwd)) {
    const path = resolve(options.cwd, item)
    const stat = statOf(path)
    if (stat.error) throw new Error(`--db ${item}: ${stat.error}`)
    if (!stat.stat?.isFile()) throw new Error(`--db ${item}: there is no such file (${path}).`)
    const parent = dirname(path)
    const instanceDir = basename(parent) === 'user_data' ? dirname(parent) : parent
    found.push({
      path,
      instance: TRADESV3.test(basename(path)) ? basename(instanceDir) : undefined,
      real: realOf(path),
      viaLink: false,
    })
  }
  if (options.instancesDir !== undefined) {
    const root = resolve(options.cwd, options.instancesDir)
    if (!statSync(root, { throwIfNoEntry: false })?.isDirectory())
      throw new Error(`--instances-dir ${options.instancesDir}: there is no such folder (${root}).`)
    const before = found.length
    for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => compare(a.name, b.name)))
      found.push(...instanceEntry(root, entry))
    if (found.length === before)
      throw new Error(
        `--instances-dir ${options.instancesDir}: no Freqtrade database found (looked for */user_data/*.sqlite, */*.sqlite and *.sqlite in ${root}).`,
      )
  }
  if (found.length === 0) throw new Error('Give the bots\u2019 databases: --db FILE or --instances-dir DIR.')

  // One bot per real file: an alias (a symbolic link to a bot folder or file also found) is the same
  // bot, found under its own name (not the link's), and told once.
  const byReal = new Map<string, Found>()
  for (const f of found) {
    const other = byReal.get(f.real)
    if (!other) byReal.set(f.real, f)
    else if (other.viaLink && !f.viaLink) byReal.set(f.real, f)
  }
  const unique = found.filter((f) => byReal.get(f.real) === f)
  for (const f of found) {
    const kept = byReal.get(f.real)!
    if (kept !== f && f.path !== kept.path)
      options.warn?.(
        `${f.path} is a symbolic link to ${kept.real}, which is already read as ${kept.path}: read once, as that bot.`,
      )
  }
  const perInstance = new Map<string, number>()
  for (const f of unique) if (f.instance) perInstance.set(f.instance, (perInstance.get(f.instance) ?? 0) + 1)
  let ids = unique.map((f) => {
    const name = basename(f.path)
    if (f.instance === undefined) return name.replace(SQLITE_FILE, '')
    if ((perInstance.get(f.instance) ?? 0) === 1) return f.instance
    const suffix =
      TRADESV3.exec(name)?.[1] ?? (TRADESV3.test(name) ? '' : `.${name.replace(SQLITE_FILE, '')}`)
    return `${f.instance}${suffix}`
  })
  if (options.botId?.length) {
    const given = splitList(options.botId)
    if (given.length !== unique.length)
      throw new Error(
        `--bot-id names ${given.length} bot(s) but ${unique.length} database(s) were found (${unique.map((f) => f.path).join(', ')}): give one id per database, in that order.`,
      )
    ids = given
  }
  const seen = new Map<string, string>()
  unique.forEach((f, index) => {
    const id = ids[index]!
    if (id === '' || id.includes('/'))
      throw new Error(`Bot id ${JSON.stringify(id)} of ${f.path} must be non-empty and without "/".`)
    const other = seen.get(id)
    if (other)
      throw new Error(
        `Two databases would be bot ${JSON.stringify(id)}: ${other} and ${f.path}. Use --bot-id.`,
      )
    seen.set(id, f.path)
  })
  return unique.map((f, index) => ({
    botId: ids[index]!,
    path: f.path,
    dryRun: DRY_RUN.test(basename(f.path)),
    ...(f.error !== undefined ? { error: f.error } : {}),
  }))
}

/**
 * The databases of one entry of `--instances-dir`: a `*.sqlite` file, or a folder's
 * `user_data/*.sqlite` and `*.sqlite`. An entry that cannot be read (a link loop, a dangling link,
 * no permission) is one bot that fails with the reason, not the whole fleet.
 */
function instanceEntry(root: string, entry: Dirent): Found[] {
  const path = join(root, entry.name)
  const viaLink = entry.isSymbolicLink()
  const failed = (error: string): Found[] => [
    {
      path,
      instance: SQLITE_FILE.test(entry.name) ? undefined : entry.name,
      real: path,
      viaLink,
      error: `${path}: ${error} Fix or remove this entry of --instances-dir; the other bots are read.`,
    },
  ]
  const stat = statOf(path)
  if (stat.error) return failed(stat.error)
  if (stat.stat?.isFile())
    return SQLITE_FILE.test(entry.name) ? [{ path, instance: undefined, real: realOf(path), viaLink }] : []
  if (!stat.stat?.isDirectory()) return []
  const result: Found[] = []
  try {
    for (const folder of [join(path, 'user_data'), path]) {
      if (!isDirectory(folder)) continue
      for (const name of readdirSync(folder).sort(compare)) {
        const file = join(folder, name)
        if (!SQLITE_FILE.test(name)) continue
        const stat = statOf(file)
        if (stat.stat?.isFile())
          result.push({ path: file, instance: entry.name, real: realOf(file), viaLink })
        else if (stat.error)
          result.push({
            path: file,
            instance: entry.name,
            real: file,
            viaLink,
            error: `${file}: ${stat.error} Fix or remove it; the other bots are read.`,
          })
      }
    }
  } catch (error) {
    return failed(reasonOf(error))
  }
  return result
}

/** A path's `stat`, or why it cannot be had (a missing path is neither). */
function statOf(path: string): { stat?: Stats; error?: string } {
  try {
    const stat = statSync(path, { throwIfNoEntry: false })
    if (stat) return { stat }
    // A dangling symbolic link: the link is there, its target is not.
    if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink())
      return { error: 'is a symbolic link to a missing file or folder.' }
    return {}
  } catch (error) {
    return { error: reasonOf(error) }
  }
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ELOOP') return 'is a loop of symbolic links (ELOOP).'
  if (code === 'EACCES' || code === 'EPERM') return `cannot be read: permission denied (${code}).`
  return `cannot be read (${code ?? (error instanceof Error ? error.message : String(error))}).`
}

/** The path with every symbolic link resolved (the path itself when that fails). */
function realOf(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

/** Items of a repeatable option, each also split on commas (unless it names an existing file). */
function splitList(items: ReadonlyArray<string>, cwd?: string): string[] {
  return items.flatMap((item) =>
    cwd !== undefined && item.includes(',') && isFile(resolve(cwd, item))
      ? [item]
      : item
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean),
  )
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function isFile(path: string): boolean {
  return statOf(path).stat?.isFile() ?? false
}

function isDirectory(path: string): boolean {
  return statOf(path).stat?.isDirectory() ?? false
}
