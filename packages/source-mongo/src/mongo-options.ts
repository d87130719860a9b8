import { type EntityName, type OptionSpecs, PluginOptionError } from '@ledgerport/core'

/** The collections the `mongo` source migrates, each a stream, and the canonical table it feeds. */
export const MIGRATED_COLLECTIONS: Readonly<Record<string, ReadonlyArray<EntityName>>> = {
  users: ['users'],
  portfoliosnapshots: ['portfolio_snapshots'],
}

/** Options of the `mongo` source. Exactly one of `sourceUrl` and `exportDir`. */
export interface MongoOptions {
  /** `mongodb://…` or `mongodb+srv://…`: read from this server. Secret. */
  readonly sourceUrl?: string
  /** The database; default the one the URL names. */
  readonly database?: string
  /** A folder of mongoexport files (`users.json`, `portfoliosnapshots.json`). */
  readonly exportDir?: string
  /** Only these collections; default both. */
  readonly collections?: ReadonlyArray<string>
}

/** The option specs: flags `--source-url`, `--database`, `--export-dir`, `--collections`. */
export const MONGO_OPTIONS: OptionSpecs<MongoOptions> = {
  sourceUrl: {
    type: 'string',
    description:
      'the MongoDB server: mongodb://user:password@host:27017/DB or mongodb+srv://… (read only; never printed)',
    env: 'LEDGERPORT_MONGO_URL',
    secret: true,
  },
  database: { type: 'string', description: 'the database to read (default: the one --source-url names)' },
  exportDir: {
    type: 'string',
    description:
      'instead of a server: a folder of mongoexport files (users.json, portfoliosnapshots.json or snapshots.json)',
  },
  collections: {
    type: 'string[]',
    description: 'only these collections: users, portfoliosnapshots (default both)',
  },
}

/** What {@link resolveMongoOptions} found: a server or a folder, and the collections to read. */
export type ResolvedMongoOptions = (
  | { readonly mode: 'server'; readonly url: string; readonly database?: string }
  | { readonly mode: 'export'; readonly dir: string }
) & { readonly collections: ReadonlyArray<string> }

/**
 * Checks the options: exactly one of `--source-url` and `--export-dir`, `--database` only with a
 * server, known collections (comma-separated or repeated).
 *
 * @throws {PluginOptionError} saying what to pass instead (never showing the URL).
 */
export function resolveMongoOptions(options: MongoOptions): ResolvedMongoOptions {
  const url = options.sourceUrl?.trim() || undefined
  const dir = options.exportDir?.trim() || undefined
  const known = Object.keys(MIGRATED_COLLECTIONS)
  const collections = (options.collections ?? known).flatMap((item) =>
    item
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  )
  const unknown = collections.filter((name) => !known.includes(name))
  if (unknown.length)
    throw new PluginOptionError(
      `--collections: ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not migrated by the mongo source; choose from ${known.join(', ')}.`,
    )
  if (collections.length === 0)
    throw new PluginOptionError(`--collections: name at least one of ${known.join(', ')}.`)
  if (url && dir)
    throw new PluginOptionError(
      'Give either --source-url (read a server) or --export-dir (read mongoexport files), not both. (--source-url may come from LEDGERPORT_MONGO_URL.)',
    )
  if (!url && !dir)
    throw new PluginOptionError(
      'The mongo source needs --source-url mongodb://host:27017/DB (or LEDGERPORT_MONGO_URL) to read a server, or --export-dir DIR to read mongoexport files.',
    )
  if (url) {
    if (!/^mongodb(\+srv)?:\/\//i.test(url))
      throw new PluginOptionError('--source-url must start with mongodb:// or mongodb+srv://.')
    return { mode: 'server', url, ...(options.database ? { database: options.database } : {}), collections }
  }
  if (options.database)
    throw new PluginOptionError(
      '--database names a database on a server: use it with --source-url, not --export-dir.',
    )
  return { mode: 'export', dir: dir!, collections }
}
