import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { DatabaseKind } from '../db/connection-url.js'
import { capabilitiesOf } from '../engines/index.js'
import { ENTITIES, ENTITY_COLUMNS, type EntityName } from '../model/entities.js'
import { canonicalId } from '../model/ids.js'
import type { Source } from '../plugin/source-plugin.js'
import type { Target } from '../plugin/target-plugin.js'
import { CLI_SOURCE, prepareRecords } from './prepare-records.js'

/** Options of {@link verifyData}. */
export interface VerifyDataOptions {
  readonly source: Source
  /** The source plugin's name (the `source` column). */
  readonly sourceName: string
  readonly target: Target
  /** IANA zone for naive source times; must match the run's. Default is `UTC`. */
  readonly timeZone?: string
  /** `--user-id` of the run, which changes the rows' content. */
  readonly userId?: string
}

/** Source against target for one table. */
export interface EntityVerification {
  readonly entity: EntityName
  /** Distinct rows the source maps to. */
  readonly sourceCount: number
  /** Rows in the target written by the verified source streams. */
  readonly targetCount: number
  /** Order-independent checksum (sum of row hashes, mod 2^64, hex) of the source's rows. */
  readonly sourceChecksum: string
  /** The same over the target's rows. */
  readonly targetChecksum: string
  readonly ok: boolean
}

/** Source against target for one source stream (seed 001's per-file counts). */
export interface StreamVerification {
  readonly stream: string
  /** Records the source stream holds (valid ones, rejects and duplicates). */
  readonly sourceRecords: number
  /** Distinct canonical rows those records map to. */
  readonly expectedRows: number
  /** Rows in the target written by this stream. */
  readonly targetRows: number
  readonly ok: boolean
}

/** A count of rows failing a structural or value check. */
export interface VerificationCheck {
  /** What was checked, e.g. `fills.order_id → orders`. */
  readonly check: string
  /** Rows failing it. */
  readonly count: number
  /** For a failed reference check: up to {@link EXAMPLES_SHOWN} `source_key`s of referencing rows. */
  readonly examples?: ReadonlyArray<string>
  /** For a failed reference check: what to do about it. */
  readonly hint?: string
}

/** How many `source_key`s of referencing rows a failed reference check names. */
export const EXAMPLES_SHOWN = 3

/** The result of {@link verifyData}; it never throws. */
export interface DataVerificationResult {
  readonly error?: Error
  /** True when counts and checksums match and no check failed. */
  readonly ok: boolean
  readonly entities: ReadonlyArray<EntityVerification>
  /** Per source stream: records read, rows expected, rows found. */
  readonly streams: ReadonlyArray<StreamVerification>
  /** References to rows that do not exist (and fills linked to no order). */
  readonly orphans: ReadonlyArray<VerificationCheck>
  /** Values that cannot be right: prices ≤ 0, empty symbols. */
  readonly invalid: ReadonlyArray<VerificationCheck>
  /**
   * Facts worth knowing that are not errors: fills linked to no order (a paper-trading transaction
   * that matched no order is kept unlinked on purpose). They do not make `ok` false.
   */
  readonly notes: ReadonlyArray<VerificationCheck>
  /** Source records rejected while verifying (they are not expected in the target). */
  readonly rejected: number
}

const MASK = (1n << 64n) - 1n

/**
 * Reads the source again and compares it with the target, table by table: row counts and an
 * order-independent checksum of `row_hash`; then looks in the target for orphans and invalid values.
 *
 * Only the target rows written by the streams the source discovers are compared and checked (their
 * `source` and `source_stream`), so one bot, database or folder can be verified in a target that
 * holds others of the same source plugin. Rows the engine writes on behalf of the CLI (source `cli`:
 * the users row of `--user-id`) belong to no source and are never compared.
 */
export async function verifyData(options: VerifyDataOptions): Promise<DataVerificationResult> {
  const empty = { ok: false, entities: [], streams: [], orphans: [], invalid: [], notes: [], rejected: 0 }
  try {
    const expected = new Map<EntityName, { ids: Set<string>; sum: bigint }>()
    let rejected = 0
    const perStream: Array<{ stream: string; sourceRecords: number; ids: Set<string> }> = []
    for (const stream of await options.source.discover()) {
      const tally = { stream: stream.name, sourceRecords: 0, ids: new Set<string>() }
      perStream.push(tally)
      for await (const batch of options.source.read(stream)) {
        tally.sourceRecords +=
          batch.records.length + (batch.rejects?.length ?? 0) + (batch.duplicates?.length ?? 0)
        const prepared = prepareRecords(batch.records, {
          source: options.sourceName,
          runId: 'verify',
          timeZone: options.timeZone ?? 'UTC',
          stream: stream.name,
          ...(options.userId !== undefined ? { userId: options.userId } : {}),
        })
        rejected += prepared.rejects.length + (batch.rejects?.length ?? 0)
        for (const [entity, rows] of prepared.rows) {
          let bucket = expected.get(entity)
          if (!bucket) {
            bucket = { ids: new Set(), sum: 0n }
            expected.set(entity, bucket)
          }
          for (const row of rows) {
            const id = String(row.id)
            tally.ids.add(id)
            if (bucket.ids.has(id)) continue
            bucket.ids.add(id)
            bucket.sum = (bucket.sum + hashValue(String(row.row_hash))) & MASK
          }
        }
      }
    }
    const db = options.target.connection.db
    const scope: Scope = { source: options.sourceName, streams: new Set(perStream.map((t) => t.stream)) }
    const entities: EntityVerification[] = []
    const rowsPerStream = new Map<string, number>()
    for (const entity of ENTITIES) {
      const source = expected.get(entity)
      const target = await targetChecksum(db, entity, scope, rowsPerStream)
      if (!source && target.count === 0) continue
      const sourceChecksum = hex(source?.sum ?? 0n)
      const targetHex = hex(target.sum)
      const sourceCount = source?.ids.size ?? 0
      entities.push({
        entity,
        sourceCount,
        targetCount: target.count,
        sourceChecksum,
        targetChecksum: targetHex,
        ok: sourceCount === target.count && sourceChecksum === targetHex,
      })
    }
    const streams: StreamVerification[] = []
    for (const tally of perStream) {
      const targetRows = rowsPerStream.get(tally.stream) ?? 0
      streams.push({
        stream: tally.stream,
        sourceRecords: tally.sourceRecords,
        expectedRows: tally.ids.size,
        targetRows,
        ok: tally.ids.size === targetRows,
      })
    }
    const orphans = await orphanChecks(
      db,
      scope,
      new Set(expected.keys()),
      options.userId === undefined ? undefined : canonicalId('users', CLI_SOURCE, options.userId),
    )
    const invalid = await invalidChecks(db, options.target.connection.kind, scope)
    const notes = await unlinkedChecks(db, scope)
    const ok =
      entities.every((e) => e.ok) &&
      streams.every((st) => st.ok) &&
      orphans.every((c) => c.count === 0) &&
      invalid.every((c) => c.count === 0)
    return { ok, entities, streams, orphans, invalid, notes, rejected }
  } catch (error) {
    return { ...empty, error: error as Error }
  }
}

/**
 * The target rows being verified: those of source plugin `source` written by one of `streams` (the
 * streams the source discovered). Rows of the same plugin written by other streams (other bots,
 * databases, folders) and rows with no stream (source `cli`) are left out.
 */
interface Scope {
  readonly source: string
  readonly streams: ReadonlySet<string>
}

/**
 * Count and checksum of the verified rows of a table, adding each stream's rows to `perStream`.
 * Pages through the source's rows by `id` (a keyed range on the primary key) and keeps the rows of
 * the verified streams here, not in SQL: a filter on `source_stream` (not indexed) would make
 * PostgreSQL sort the matching rows on every page instead of walking the primary key, and a long
 * stream list would meet SQLite's limit on bound parameters.
 */
async function targetChecksum(
  db: Kysely<any>,
  entity: EntityName,
  scope: Scope,
  perStream: Map<string, number>,
): Promise<{ count: number; sum: bigint }> {
  let count = 0
  let sum = 0n
  let after: string | undefined
  for (;;) {
    let query = db
      .selectFrom(entity)
      .select(['id', 'row_hash', 'source_stream'])
      .where('source', '=', scope.source)
      .orderBy('id')
      .limit(20_000)
    if (after !== undefined) query = query.where('id', '>', after)
    const rows = await query.execute()
    for (const row of rows) {
      const stream = row.source_stream as string | null
      if (stream === null || !scope.streams.has(stream)) continue
      count++
      sum = (sum + hashValue(String(row.row_hash))) & MASK
      perStream.set(stream, (perStream.get(stream) ?? 0) + 1)
    }
    if (rows.length < 20_000) return { count, sum }
    after = String(rows.at(-1)!.id)
  }
}

/** A row of a count grouped by stream. */
type StreamCount = { stream: string | null; n: string | number }

/**
 * Rows of `scope` counted by a query over the source's rows that selects `count(*) as n` grouped by
 * `source_stream as stream`: the counts of the verified streams, summed (no stream list in SQL).
 */
async function countInScope(db: Kysely<any>, scope: Scope, query: RawBuilder<StreamCount>): Promise<number> {
  const { rows } = await query.execute(db)
  let count = 0
  for (const row of rows) if (row.stream !== null && scope.streams.has(row.stream)) count += Number(row.n)
  return count
}

/**
 * References to rows that are not there, from the verified rows (to rows of any source). Users and
 * bots often come from elsewhere (`--user-id`, a source that names an account it does not describe),
 * so `user_id` and `bot_id` are checked only when the verified streams write `users` (or `bots`) rows
 * themselves (they map some, or some are in the target): then every one they point to should exist.
 * The `users` row of `--user-id` (`cliUser`) is the engine's: every `user_id` pointing to it is
 * checked whatever the streams write, so a rollback that removed it cannot go unnoticed.
 */
async function orphanChecks(
  db: Kysely<any>,
  scope: Scope,
  mapped: ReadonlySet<EntityName>,
  cliUser: string | undefined,
): Promise<VerificationCheck[]> {
  const checks: VerificationCheck[] = []
  const writes = new Map<string, boolean>()
  for (const entity of ENTITIES) {
    for (const column of ENTITY_COLUMNS[entity]) {
      if (column.type !== 'ref' || !column.ref) continue
      if (column.name === 'user_id' || column.name === 'bot_id') {
        let own = writes.get(column.ref)
        if (own === undefined) {
          own = mapped.has(column.ref) || (await writtenInScope(db, scope, column.ref))
          writes.set(column.ref, own)
        }
        if (!own) {
          if (column.name !== 'user_id' || cliUser === undefined) continue
          const count = await countInScope(
            db,
            scope,
            sql<StreamCount>`select t.source_stream as stream, count(*) as n from ${sql.table(entity)} t
            where t.source = ${scope.source} and t.user_id = ${cliUser}
            and not exists (select 1 from users r where r.id = t.user_id)
            group by t.source_stream`,
          )
          const examples = count
            ? await examplesInScope(
                db,
                scope,
                sql<KeyRow>`select t.source_key as key, t.source_stream as stream from ${sql.table(entity)} t
                where t.source = ${scope.source} and t.user_id = ${cliUser}
                and not exists (select 1 from users r where r.id = t.user_id)
                order by t.source_key`,
              )
            : undefined
          checks.push(danglingCheck(`${entity}.user_id → users (--user-id)`, count, examples, 'users'))
          continue
        }
      }
      const count = await countInScope(
        db,
        scope,
        sql<StreamCount>`select t.source_stream as stream, count(*) as n from ${sql.table(entity)} t
        where t.source = ${scope.source} and t.${sql.ref(column.name)} is not null
        and not exists (select 1 from ${sql.table(column.ref)} r where r.id = t.${sql.ref(column.name)})
        group by t.source_stream`,
      )
      const examples = count
        ? await examplesInScope(
            db,
            scope,
            sql<KeyRow>`select t.source_key as key, t.source_stream as stream from ${sql.table(entity)} t
            where t.source = ${scope.source} and t.${sql.ref(column.name)} is not null
            and not exists (select 1 from ${sql.table(column.ref)} r where r.id = t.${sql.ref(column.name)})
            order by t.source_key`,
          )
        : undefined
      checks.push(danglingCheck(`${entity}.${column.name} → ${column.ref}`, count, examples, column.ref))
    }
  }
  return checks
}

/** A row of a listing of referencing rows. */
type KeyRow = { key: string; stream: string | null }

/**
 * The first {@link EXAMPLES_SHOWN} `source_key`s of `scope` listed by `query` (run only for a check
 * that failed; it pages in chunks so a few rows of the verified streams are found among others).
 */
async function examplesInScope(db: Kysely<any>, scope: Scope, query: RawBuilder<KeyRow>): Promise<string[]> {
  const keys: string[] = []
  const { rows } = await sql<KeyRow>`${query} limit 10000`.execute(db)
  for (const row of rows) {
    if (row.stream === null || !scope.streams.has(row.stream)) continue
    keys.push(row.key)
    if (keys.length === EXAMPLES_SHOWN) break
  }
  return keys
}

/** A reference check's result; a failed one carries examples and what to do. */
function danglingCheck(
  check: string,
  count: number,
  examples: ReadonlyArray<string> | undefined,
  ref: string,
): VerificationCheck {
  if (!count) return { check, count }
  return {
    check,
    count,
    examples: examples ?? [],
    hint:
      `${count} row(s) point at ${ref} rows that are not in the target (deleted outside ledgerport?): ` +
      `write them again with \`ledgerport run --full\` from the source that has them, ` +
      `or roll back the run that wrote the referencing rows`,
  }
}

/** Whether the target has rows of `entity` written by the verified streams. */
async function writtenInScope(db: Kysely<any>, scope: Scope, entity: EntityName): Promise<boolean> {
  const written = await db
    .selectFrom(entity)
    .select('source_stream')
    .distinct()
    .where('source', '=', scope.source)
    .execute()
  return written.some((row) => row.source_stream !== null && scope.streams.has(row.source_stream))
}

async function unlinkedChecks(db: Kysely<any>, scope: Scope): Promise<VerificationCheck[]> {
  const count = await countInScope(
    db,
    scope,
    sql<StreamCount>`select source_stream as stream, count(*) as n from fills
      where source = ${scope.source} and order_id is null group by source_stream`,
  )
  return [{ check: 'fills linked to no order', count }]
}

async function invalidChecks(
  db: Kysely<any>,
  kind: DatabaseKind,
  scope: Scope,
): Promise<VerificationCheck[]> {
  const checks: VerificationCheck[] = []
  const nonPositive = (column: string) =>
    capabilitiesOf(kind).decimals === 'numeric'
      ? sql.raw(`${column} <= 0`)
      : sql.raw(`cast(${column} as real) <= 0`)
  for (const [entity, column] of [
    ['orders', 'price'],
    ['fills', 'price'],
    ['round_trips', 'open_rate'],
  ] as const) {
    const count = await countInScope(
      db,
      scope,
      sql<StreamCount>`select source_stream as stream, count(*) as n from ${sql.table(entity)}
      where source = ${scope.source} and ${sql.ref(column)} is not null and ${nonPositive(column)}
      group by source_stream`,
    )
    checks.push({ check: `${entity}.${column} ≤ 0`, count })
  }
  for (const entity of ['orders', 'fills', 'round_trips', 'positions'] as const) {
    const count = await countInScope(
      db,
      scope,
      sql<StreamCount>`select source_stream as stream, count(*) as n from ${sql.table(entity)}
      where source = ${scope.source} and (symbol is null or trim(symbol) = '') group by source_stream`,
    )
    checks.push({ check: `${entity}.symbol empty`, count })
  }
  return checks
}

function hashValue(rowHash: string): bigint {
  return BigInt(`0x${rowHash.slice(0, 16)}`)
}

function hex(value: bigint): string {
  return value.toString(16).padStart(16, '0')
}
