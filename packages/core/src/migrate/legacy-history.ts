import { type Kysely, sql } from 'kysely'
import type { DatabaseKind } from '../db/connection-url.js'
import { tableExists } from '../engines/index.js'

/** A migration another tool recorded as applied. */
export interface LegacyHistoryEntry {
  /** When it was applied, ISO-8601, when the tool kept it. */
  readonly appliedAt?: string
  /** Its description, when the tool kept one. */
  readonly description?: string
  /** How long it took, when the tool kept it. */
  readonly executionMs?: number
}

/** History found in another tool's table, keyed by ledgerport migration name. */
export interface LegacyHistory {
  /** Which table it came from (`kysely_migration`, `schema_migrations`, `schema_version`), if any. */
  readonly source?: string
  /** Entries matched to migration names. */
  readonly entries: Map<string, LegacyHistoryEntry>
}

/**
 * Reads applied-migration history kept by other tools and matches it to migration names:
 * Kysely's `kysely_migration(name, timestamp)` by name; seed 002's
 * `schema_migrations(version, applied_at, description, checksum, execution_time_ms)` and seed 004's
 * `schema_version(version, applied_at, description)` by version, which matches a migration whose
 * name is the version or starts with `version_` (`'002'` and `'2'` both match `002_add_hybrid_sl`).
 */
export async function importLegacyHistory(
  db: Kysely<any>,
  kind: DatabaseKind,
  names: ReadonlyArray<string>,
): Promise<LegacyHistory> {
  const entries = new Map<string, LegacyHistoryEntry>()
  if (await tableExists(db, kind, 'kysely_migration')) {
    const rows = await sql<{
      name: string
      timestamp: unknown
    }>`select name, timestamp from kysely_migration`.execute(db)
    for (const row of rows.rows) {
      if (names.includes(row.name)) entries.set(row.name, { appliedAt: toIso(row.timestamp) })
    }
    return { source: 'kysely_migration', entries }
  }
  for (const table of ['schema_migrations', 'schema_version']) {
    if (!(await tableExists(db, kind, table))) continue
    const rows = await db.selectFrom(table).selectAll().execute()
    for (const row of rows) {
      const version = String(row.version ?? '')
      const name = names.find((candidate) => matchesVersion(candidate, version))
      if (!name) continue
      const executionMs = row.execution_time_ms == null ? undefined : Number(row.execution_time_ms)
      entries.set(name, {
        ...(row.applied_at != null ? { appliedAt: toIso(row.applied_at) } : {}),
        ...(row.description != null ? { description: String(row.description) } : {}),
        ...(executionMs !== undefined && Number.isFinite(executionMs) ? { executionMs } : {}),
      })
    }
    return { source: table, entries }
  }
  return { entries }
}

function matchesVersion(name: string, version: string): boolean {
  if (!version) return false
  if (name === version) return true
  const prefix = name.split('_')[0]!
  if (prefix === version) return true
  return /^\d+$/.test(prefix) && /^\d+$/.test(version) && Number(prefix) === Number(version)
}

function toIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  const text = String(value)
  // SQLite CURRENT_TIMESTAMP text is naive UTC: 'YYYY-MM-DD HH:MM:SS'.
  const parsed = Date.parse(
    /^\d{4}-\d\d-\d\d \d/.test(text) && !/[zZ+]|-\d\d:?\d\d$/.test(text)
      ? `${text.replace(' ', 'T')}Z`
      : text,
  )
  return Number.isNaN(parsed) ? text : new Date(parsed).toISOString()
}
