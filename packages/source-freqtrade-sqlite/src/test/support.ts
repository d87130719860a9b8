import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import {
  type Checkpoint,
  type DataMigrationResultSet,
  DataMigrator,
  ENTITY_COLUMNS,
  type EntityName,
  type PluginContext,
  type Source,
  type Target,
} from '@ledgerport/core'
import { target as postgresTarget } from '@ledgerport/target-postgres'
import { target as sqliteTarget } from '@ledgerport/target-sqlite'
import { type EngineTestTarget, openEngineTarget, testContext } from '@ledgerport/test-kit'
import { sql } from 'kysely'
import { type FreqtradeSqliteOptions, source } from '../freqtrade-source.js'

export { countsByStream, testContext } from '@ledgerport/test-kit'

/** A prepared target on a fresh database, and how to drop it. */
export type TestTarget = EngineTestTarget<Target>

/** A fresh, prepared SQLite or PostgreSQL target. */
export function createTarget(kind: 'sqlite' | 'postgres'): Promise<TestTarget> {
  return openEngineTarget(kind, { sqlite: sqliteTarget, postgres: postgresTarget })
}

/** The scope `ledgerport run`/`sync` would give these options. */
export function scopeOf(options: FreqtradeSqliteOptions): string {
  return JSON.stringify({ busyTimeout: 5000, ...options })
}

/** A run's result with the source's warnings. */
export type CountedRun = DataMigrationResultSet & { warnings: ReadonlyArray<string> }

/**
 * One run of the source into a target, as `ledgerport run` does; with `sync: true`, as `ledgerport
 * sync` does: a fresh run that hands every stream its stored checkpoint.
 */
export async function migrate(
  target: Target,
  options: FreqtradeSqliteOptions,
  settings: { sync?: boolean; timeZone?: string; batchSize?: number; context?: PluginContext } = {},
): Promise<CountedRun> {
  const context = settings.context ?? testContext({ batchSize: settings.batchSize ?? 5000 })
  const inner = source.create({ busyTimeout: 5000, ...options }, context) as Source
  const scope = scopeOf(options)
  const stored = settings.sync ? await storedCheckpoints(target, scope) : new Map<string, Checkpoint>()
  const wrapped: Source = {
    discover: () => inner.discover(),
    read: (stream, from) => inner.read(stream, from ?? stored.get(stream.name)),
    close: () => inner.close(),
  }
  try {
    const result = await new DataMigrator({
      source: wrapped,
      sourceName: 'freqtrade-sqlite',
      scope,
      target,
      timeZone: settings.timeZone ?? 'UTC',
      rejectsFile: false,
      fresh: true,
    }).run()
    const collected = 'warnings' in context ? (context.warnings as string[]) : []
    return { ...result, warnings: [...result.warnings, ...collected] }
  } finally {
    await inner.close()
  }
}

async function storedCheckpoints(target: Target, scope: string): Promise<Map<string, Checkpoint>> {
  const rows = await target.connection.db
    .selectFrom('ledgerport_checkpoints')
    .select(['stream', 'checkpoint'])
    .where('source', '=', 'freqtrade-sqlite')
    .where('scope', '=', scope)
    .execute()
  return new Map(
    rows.map((row) => [
      String(row.stream),
      (typeof row.checkpoint === 'string' ? JSON.parse(row.checkpoint) : row.checkpoint) as Checkpoint,
    ]),
  )
}

/** A canonical row read back, normalised so SQLite and PostgreSQL rows compare equal. */
export type Row = Record<string, string | number | boolean | null | Record<string, unknown> | unknown[]>

/**
 * This source's rows of a canonical table, keyed by source key. Instants come back as
 * `YYYY-MM-DDTHH:MM:SS.ffffffZ` text from both engines (PostgreSQL formats them itself, so no
 * microsecond is lost to a JS Date), decimals as text, booleans as booleans, JSON parsed.
 */
export async function readRows(target: Target, entity: EntityName): Promise<Map<string, Row>> {
  const columns = ENTITY_COLUMNS[entity]
  const postgres = target.connection.kind === 'postgres'
  const selections = ['source_key', 'extra', ...columns.map((c) => c.name)].map((name) => {
    const column = columns.find((c) => c.name === name)
    if (postgres && column?.type === 'instant')
      return sql.raw(`to_char("${name}" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "${name}"`)
    if (postgres && (column?.type === 'decimal' || column?.type === 'ref'))
      return sql.raw(`"${name}"::text as "${name}"`)
    return sql.raw(`"${name}"`)
  })
  const { rows } = await sql<
    Record<string, unknown>
  >`select ${sql.join(selections)} from ${sql.table(entity)} where source = 'freqtrade-sqlite'`.execute(
    target.connection.db,
  )
  const out = new Map<string, Row>()
  for (const row of rows) {
    const normalised: Row = {}
    for (const [name, value] of Object.entries(row)) {
      const column = columns.find((c) => c.name === name)
      if (value === null || value === undefined) normalised[name] = null
      else if (name === 'extra' || column?.type === 'json')
        normalised[name] = typeof value === 'string' ? JSON.parse(value) : (value as Record<string, unknown>)
      else if (column?.type === 'boolean') normalised[name] = value === true || value === 1 || value === 1n
      else if (column?.type === 'instant') normalised[name] = microsecondInstant(String(value))
      else normalised[name] = typeof value === 'bigint' ? Number(value) : (value as string | number)
    }
    out.set(String(row.source_key), normalised)
  }
  return out
}

/** `2024-01-01T00:00:00Z` / `…00.5Z` → `2024-01-01T00:00:00.500000Z`, for comparing instants. */
export function microsecondInstant(instant: string): string {
  const match = /^(.{19})(?:\.(\d+))?Z$/.exec(instant)
  if (!match) return instant
  return `${match[1]}.${(match[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`
}

/** sha256 of a file's bytes, or `absent`. */
export function checksum(path: string): string {
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'absent'
}

/** Checksums of a database and its side files. */
export function checksums(path: string): Record<string, string> {
  return Object.fromEntries(
    ['', '-wal', '-shm', '-journal'].map((suffix) => [suffix || 'db', checksum(`${path}${suffix}`)]),
  )
}
