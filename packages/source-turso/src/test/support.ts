import {
  type CanonicalRecord,
  type DataMigrationResultSet,
  DataMigrator,
  ENTITY_COLUMNS,
  type EntityName,
  type PluginContext,
  prepareRecords,
  type Reject,
  redactUrl,
  type Source,
  type Target,
} from '@ledgerport/core'
import { target as postgresTarget } from '@ledgerport/target-postgres'
import { target as sqliteTarget } from '@ledgerport/target-sqlite'
import {
  backdateFiles,
  createScratchDatabase,
  type EngineTestTarget,
  openEngineTarget,
  type ScratchDatabase,
  testContext,
} from '@ledgerport/test-kit'
import { type Client, createClient, type InValue } from '@libsql/client'
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { source, type TursoSourceOptions } from '../turso-source.js'

export { countsByStream, testContext } from '@ledgerport/test-kit'

/** Where a copy lives: a libSQL file (`file:`), or a database served over HTTP. */
export type LibsqlEngine = 'libsql' | 'libsql-http'

/** The real server of `LIBSQL_URL` (with `LIBSQL_AUTH_TOKEN`), when the suite runs against one. */
export const REAL_SERVER = process.env.LIBSQL_URL
  ? { url: process.env.LIBSQL_URL, authToken: process.env.LIBSQL_AUTH_TOKEN }
  : undefined

/** A Freqtrade database copied into libSQL, and how to reach and drop it. */
export interface LibsqlCopy {
  readonly url: string
  /** The real server's token, when there is one. */
  readonly authToken?: string
  /** A client to change the copy with (closed by `drop`). */
  client(): Client
  drop(): Promise<void>
}

/**
 * Copies a SQLite database (a Freqtrade fixture, `-wal` included) into a fresh libSQL database
 * through `@libsql/client`, table by table and row by row with typed arguments (INTEGER as bigint,
 * REAL as number), so the copy holds the same values with the same storage classes: a `file:`
 * database written by libSQL, or, over HTTP, the Hrana test server's file or the `LIBSQL_URL` server
 * (emptied first). Foreign keys are off while rows go in: Freqtrade leaves them unenforced, which is
 * how orphan orders exist.
 */
export async function copyToLibsql(path: string, engine: LibsqlEngine): Promise<LibsqlCopy> {
  const scratch: ScratchDatabase = await createScratchDatabase(engine)
  const authToken = engine === 'libsql-http' ? REAL_SERVER?.authToken : undefined
  let client: Client | undefined
  const open = () => {
    client ??= createClient({ url: scratch.url, intMode: 'bigint', ...(authToken ? { authToken } : {}) })
    return client
  }
  const db = new Database(path, { readonly: true })
  try {
    db.defaultSafeIntegers(true)
    const schema = db
      .prepare(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index', name",
      )
      .all() as Array<{ type: string; name: string; sql: string }>
    for (const entry of schema) {
      await open().execute(entry.sql)
      if (entry.type !== 'table') continue
      const rows = db
        .prepare(`SELECT * FROM "${entry.name.replaceAll('"', '""')}"`)
        .raw(true)
        .all() as InValue[][]
      for (let i = 0; i < rows.length; i += 500) {
        await open().migrate(
          rows.slice(i, i + 500).map((values) => ({
            sql: `INSERT INTO "${entry.name.replaceAll('"', '""')}" VALUES (${values.map(() => '?').join(', ')})`,
            args: values,
          })),
        )
      }
    }
  } finally {
    db.close()
    client?.close()
    client = undefined
  }
  // A file written in the last second is always read again: let the copy have settled.
  if (scratch.url.startsWith('file:')) backdateFiles(scratch.url.slice('file:'.length))
  return {
    url: scratch.url,
    ...(authToken ? { authToken } : {}),
    client: open,
    drop: async () => {
      client?.close()
      await scratch.drop()
    },
  }
}

/** The turso source's options for copies, in order, with the real server's token when there is one. */
export function tursoOptions(
  copies: ReadonlyArray<LibsqlCopy>,
  botIds: ReadonlyArray<string>,
): TursoSourceOptions {
  const token = copies.find((copy) => copy.authToken)?.authToken
  return { url: copies.map((copy) => copy.url), botId: botIds, ...(token ? { authToken: [token] } : {}) }
}

/** Everything a source yields when every stream is read in full once. */
export interface ReadAll {
  readonly records: CanonicalRecord[]
  readonly rejects: Reject[]
  readonly warnings: string[]
  readonly locations: string[]
}

/** Reads every stream of a source in full, then closes it. */
export async function readAll(open: (context: PluginContext) => Source | Promise<Source>): Promise<ReadAll> {
  const context = testContext()
  const source = await open(context)
  const records: CanonicalRecord[] = []
  const rejects: Reject[] = []
  const locations: string[] = []
  try {
    for (const stream of await source.discover()) {
      if (stream.location) locations.push(stream.location)
      for await (const batch of source.read(stream)) {
        records.push(...batch.records)
        rejects.push(...(batch.rejects ?? []))
      }
    }
  } finally {
    await source.close()
  }
  return { records, rejects, warnings: context.warnings, locations }
}

/**
 * `ENTITY SOURCE_KEY` → `row_hash` of records as the engine prepares them, under one source name (ids
 * and references depend on it) and with the bot's `extra.database` (where it was read) set aside.
 *
 * @throws {Error} when the engine would reject a record.
 */
export function rowHashes(records: ReadonlyArray<CanonicalRecord>): Map<string, string> {
  const prepared = prepareRecords(
    records.map((record) =>
      record.entity === 'bots' ? { ...record, extra: { ...record.extra, database: 'DATABASE' } } : record,
    ),
    { source: 'freqtrade', runId: 'run', timeZone: 'UTC', stream: 'all' },
  )
  if (prepared.rejects.length) throw new Error(`rejected: ${JSON.stringify(prepared.rejects)}`)
  const hashes = new Map<string, string>()
  for (const [entity, rows] of prepared.rows)
    for (const row of rows) hashes.set(`${entity} ${String(row.source_key)}`, String(row.row_hash))
  return hashes
}

/** A prepared target on a fresh database, and how to drop it. */
export type TestTarget = EngineTestTarget<Target>

/** A fresh, prepared SQLite or PostgreSQL target. */
export function createTarget(kind: 'sqlite' | 'postgres'): Promise<TestTarget> {
  return openEngineTarget(kind, { sqlite: sqliteTarget, postgres: postgresTarget })
}

/** A run's result with the source's warnings. */
export type CountedRun = DataMigrationResultSet & { warnings: ReadonlyArray<string> }

/** One run of the turso source into a target, as `ledgerport run` (or, `incremental`, `sync`) does. */
export async function migrate(
  target: Target,
  options: TursoSourceOptions,
  settings: {
    batchSize?: number
    fresh?: boolean
    incremental?: boolean
    signal?: AbortSignal
    onProgress?: () => void
  } = {},
): Promise<CountedRun> {
  const context = testContext({ batchSize: settings.batchSize ?? 5000 })
  const opened = await source.create(options, context)
  try {
    const result = await new DataMigrator({
      source: opened,
      sourceName: 'turso',
      // As `ledgerport run` scopes a run, its options redacted: the secret option, and the URLs'
      // `?authToken=` (which core's option parsing does not redact; see the README).
      scope: JSON.stringify({
        ...options,
        url: options.url?.map(redactUrl),
        authToken: options.authToken ? '***' : undefined,
      }),
      target,
      rejectsFile: false,
      fresh: settings.fresh ?? true,
      ...(settings.incremental ? { incremental: true } : {}),
      ...(settings.signal ? { signal: settings.signal } : {}),
      ...(settings.onProgress ? { onProgress: settings.onProgress } : {}),
      secrets: [...(options.authToken ?? [])],
    }).run()
    return { ...result, warnings: [...result.warnings, ...context.warnings] }
  } finally {
    await opened.close()
  }
}

/** This source's rows of a canonical table by source key: decimals as text, extra parsed. */
export async function readRows(
  target: Target,
  entity: EntityName,
): Promise<Map<string, Record<string, unknown>>> {
  const postgres = target.connection.kind === 'postgres'
  const columns = ['source_key', 'extra', ...ENTITY_COLUMNS[entity].map((c) => c.name)]
  const selections = columns.map((name) => {
    const type = ENTITY_COLUMNS[entity].find((c) => c.name === name)?.type
    return postgres && (type === 'decimal' || type === 'ref' || type === 'instant')
      ? sql.raw(`"${name}"::text as "${name}"`)
      : sql.raw(`"${name}"`)
  })
  const { rows } = await sql<Record<string, unknown>>`select ${sql.join(selections)} from ${sql.table(
    entity,
  )} where source = 'turso'`.execute(target.connection.db)
  return new Map(
    rows.map((row) => [
      String(row.source_key),
      { ...row, extra: typeof row.extra === 'string' ? JSON.parse(row.extra) : row.extra },
    ]),
  )
}
