import { readdirSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'

/** One bot's database. */
export interface BotDatabase {
  /** The bot id: the instance folder's name, the file's stem, or `--bot-id`. */
  readonly botId: string
  /** Absolute path of the SQLite file. */
  readonly path: string
  /** `tradesv3.dryrun.sqlite` (or any file named `*dryrun*`) is a dry-run bot. */
  readonly dryRun: boolean
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
 * @throws {Error} for a missing folder or file, no database at all, duplicate ids, or a `--bot-id`
 *   count that does not match.
 */
export function locateDatabases(options: LocateOptions): BotDatabase[] {
  const found: Array<{ path: string; instance: string | undefined }> = []
  for (const item of splitList(options.db ?? [], options.cwd)) {
    const path = resolve(options.cwd, item)
    const stat = statSync(path, { throwIfNoEntry: false })
    if (!stat?.isFile()) throw new Error(`--db ${item}: there is no such file (${path}).`)
    const parent = dirname(path)
    const instanceDir = basename(parent) === 'user_data' ? dirname(parent) : parent
    found.push({ path, instance: TRADESV3.test(basename(path)) ? basename(instanceDir) : undefined })
  }
  if (options.instancesDir !== undefined) {
    const root = resolve(options.cwd, options.instancesDir)
    if (!statSync(root, { throwIfNoEntry: false })?.isDirectory())
      throw new Error(`--instances-dir ${options.instancesDir}: there is no such folder (${root}).`)
    const before = found.length
    for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => compare(a.name, b.name))) {
      const path = join(root, entry.name)
      if (isFile(path) && SQLITE_FILE.test(entry.name)) found.push({ path, instance: undefined })
      if (!isDirectory(path)) continue
      for (const folder of [join(path, 'user_data'), path]) {
        if (!isDirectory(folder)) continue
        for (const name of readdirSync(folder).sort(compare)) {
          if (SQLITE_FILE.test(name) && isFile(join(folder, name)))
            found.push({ path: join(folder, name), instance: entry.name })
        }
      }
    }
    if (found.length === before)
      throw new Error(
        `--instances-dir ${options.instancesDir}: no Freqtrade database found (looked for */user_data/*.sqlite, */*.sqlite and *.sqlite in ${root}).`,
      )
  }
  if (found.length === 0) throw new Error('Give the bots\u2019 databases: --db FILE or --instances-dir DIR.')

  const unique = [...new Map(found.map((f) => [f.path, f])).values()]
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
  }))
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
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false
}
