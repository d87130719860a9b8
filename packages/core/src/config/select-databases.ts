import { isAbsolute, resolve } from 'node:path'
import { glob } from 'tinyglobby'
import type { LoadedConfig } from './load-config.js'

/** A database to work on, with its migrations folder. */
export interface SelectedDatabase {
  /** Its name in the config, or the file path for `--glob`, or `default`. */
  readonly name: string
  /** Its connection URL. */
  readonly url: string
  /** Its migrations folder (absolute). */
  readonly migrations: string
  /** libSQL auth token from the config. */
  readonly authToken?: string
  /** PostgreSQL schema from the config. */
  readonly schema?: string
}

/** How the user chose databases on the command line. */
export interface DatabaseSelection {
  /** `--url`: one database by URL. */
  readonly url?: string
  /** `--migrations`: overrides the migrations folder. */
  readonly migrations?: string
  /** `--db NAME` (repeatable): databases named in the config. */
  readonly db?: ReadonlyArray<string>
  /** `--all`: every database in the config. */
  readonly all?: boolean
  /** `--glob PATTERN`: every SQLite file matching (per-bot fleets). */
  readonly glob?: string
}

/** The embedded default database. */
export const DEFAULT_DATABASE_URL = 'sqlite:./ledgerport.db'

/**
 * Resolves the command line's choice of databases against the config: `--url`, `--db`, `--all`,
 * `--glob`, else the config's default database, else {@link DEFAULT_DATABASE_URL}.
 */
export async function selectDatabases(
  loaded: LoadedConfig,
  selection: DatabaseSelection,
  cwd: string = process.cwd(),
): Promise<SelectedDatabase[]> {
  const { config, dir } = loaded
  const folder = (path: string | undefined, base: string): string =>
    path && isAbsolute(path) ? path : resolve(base, path ?? 'migrations')
  const defaultFolder = selection.migrations
    ? folder(selection.migrations, cwd)
    : folder(config.migrations?.folder, dir)
  const named = config.databases ?? {}
  const fromConfig = (name: string): SelectedDatabase => {
    const entry = named[name]
    if (!entry) {
      const known = Object.keys(named)
      throw new Error(
        `No database named ${name} in the config${known.length ? ` (it names ${known.join(', ')})` : loaded.file ? '' : ': there is no ledgerport.config.ts here'}.`,
      )
    }
    return {
      name,
      url: resolveFileUrl(entry.url, dir),
      migrations: selection.migrations
        ? defaultFolder
        : entry.migrations
          ? folder(entry.migrations, dir)
          : defaultFolder,
      ...(entry.authToken ? { authToken: entry.authToken } : {}),
      ...(entry.schema ? { schema: entry.schema } : {}),
    }
  }
  if (selection.url) return [{ name: 'default', url: selection.url, migrations: defaultFolder }]
  if (selection.glob) {
    const files = await glob(selection.glob, { cwd, absolute: true, onlyFiles: true })
    if (files.length === 0) throw new Error(`--glob ${selection.glob} matched no files under ${cwd}.`)
    return files.sort().map((file) => ({ name: file, url: `sqlite:${file}`, migrations: defaultFolder }))
  }
  if (selection.db?.length) return selection.db.map(fromConfig)
  if (selection.all) {
    const names = Object.keys(named)
    if (names.length === 0) throw new Error('--all needs databases in ledgerport.config.ts; none are named.')
    return names.map(fromConfig)
  }
  const defaultName = config.defaultDatabase ?? Object.keys(named)[0]
  if (defaultName) return [fromConfig(defaultName)]
  return [{ name: 'default', url: DEFAULT_DATABASE_URL, migrations: defaultFolder }]
}

function resolveFileUrl(url: string, dir: string): string {
  const match = /^(sqlite:|file:)(?!\/\/)(.*)$/i.exec(url)
  if (!match || isAbsolute(match[2]!) || match[2] === ':memory:') return url
  return `${match[1]}${resolve(dir, match[2]!)}`
}
