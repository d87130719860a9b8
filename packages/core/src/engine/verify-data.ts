import { type Kysely, sql } from 'kysely'
import type { DatabaseKind } from '../db/connection-url.js'
import { ENTITIES, ENTITY_COLUMNS, type EntityName } from '../model/entities.js'
import type { Source } from '../plugin/source-plugin.js'
import type { Target } from '../plugin/target-plugin.js'
import { prepareRecords } from './prepare-records.js'

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
  /** Rows of this source in the target. */
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
}

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
    const entities: EntityVerification[] = []
    for (const entity of ENTITIES) {
      const source = expected.get(entity)
      const target = await targetChecksum(db, entity, options.sourceName)
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
      let targetRows = 0
      for (const entity of ENTITIES) {
        const row = await db
          .selectFrom(entity)
          .select((eb) => eb.fn.countAll().as('n'))
          .where('source', '=', options.sourceName)
          .where('source_stream', '=', tally.stream)
          .executeTakeFirst()
        targetRows += Number(row?.n ?? 0)
      }
      streams.push({
        stream: tally.stream,
        sourceRecords: tally.sourceRecords,
        expectedRows: tally.ids.size,
        targetRows,
        ok: tally.ids.size === targetRows,
      })
    }
    const orphans = await orphanChecks(db, options.sourceName)
    const invalid = await invalidChecks(db, options.target.connection.kind, options.sourceName)
    const notes = await unlinkedChecks(db, options.sourceName)
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

async function targetChecksum(
  db: Kysely<any>,
  entity: EntityName,
  source: string,
): Promise<{ count: number; sum: bigint }> {
  let count = 0
  let sum = 0n
  let after: string | undefined
  for (;;) {
    let query = db
      .selectFrom(entity)
      .select(['id', 'row_hash'])
      .where('source', '=', source)
      .orderBy('id')
      .limit(20_000)
    if (after !== undefined) query = query.where('id', '>', after)
    const rows = await query.execute()
    for (const row of rows) {
      count++
      sum = (sum + hashValue(String(row.row_hash))) & MASK
    }
    if (rows.length < 20_000) return { count, sum }
    after = String(rows.at(-1)!.id)
  }
}

/**
 * References to rows that are not there. Users and bots often come from elsewhere (`--user-id`, a
 * source that names an account it does not describe), so `user_id` and `bot_id` are checked only
 * for a source that writes `users` (or `bots`) rows itself: then every one it points to should exist.
 */
async function orphanChecks(db: Kysely<any>, source: string): Promise<VerificationCheck[]> {
  const checks: VerificationCheck[] = []
  const writes = new Map<string, boolean>()
  for (const entity of ENTITIES) {
    for (const column of ENTITY_COLUMNS[entity]) {
      if (column.type !== 'ref' || !column.ref) continue
      if (column.name === 'user_id' || column.name === 'bot_id') {
        let own = writes.get(column.ref)
        if (own === undefined) {
          const found = await db
            .selectFrom(column.ref)
            .select('id')
            .where('source', '=', source)
            .limit(1)
            .executeTakeFirst()
          own = found !== undefined
          writes.set(column.ref, own)
        }
        if (!own) continue
      }
      const { rows } = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(entity)} t
        where t.source = ${source} and t.${sql.ref(column.name)} is not null
        and not exists (select 1 from ${sql.table(column.ref)} r where r.id = t.${sql.ref(column.name)})`.execute(
        db,
      )
      checks.push({ check: `${entity}.${column.name} → ${column.ref}`, count: Number(rows[0]?.n ?? 0) })
    }
  }
  return checks
}

async function unlinkedChecks(db: Kysely<any>, source: string): Promise<VerificationCheck[]> {
  const { rows } = await sql<{
    n: string | number
  }>`select count(*) as n from fills where source = ${source} and order_id is null`.execute(db)
  return [{ check: 'fills linked to no order', count: Number(rows[0]?.n ?? 0) }]
}

async function invalidChecks(
  db: Kysely<any>,
  kind: DatabaseKind,
  source: string,
): Promise<VerificationCheck[]> {
  const checks: VerificationCheck[] = []
  const nonPositive = (column: string) =>
    kind === 'postgres' ? sql.raw(`${column} <= 0`) : sql.raw(`cast(${column} as real) <= 0`)
  for (const [entity, column] of [
    ['orders', 'price'],
    ['fills', 'price'],
    ['round_trips', 'open_rate'],
  ] as const) {
    const { rows } = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(entity)}
      where source = ${source} and ${sql.ref(column)} is not null and ${nonPositive(column)}`.execute(db)
    checks.push({ check: `${entity}.${column} ≤ 0`, count: Number(rows[0]?.n ?? 0) })
  }
  for (const entity of ['orders', 'fills', 'round_trips', 'positions'] as const) {
    const { rows } = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(entity)}
      where source = ${source} and (symbol is null or trim(symbol) = '')`.execute(db)
    checks.push({ check: `${entity}.symbol empty`, count: Number(rows[0]?.n ?? 0) })
  }
  return checks
}

function hashValue(rowHash: string): bigint {
  return BigInt(`0x${rowHash.slice(0, 16)}`)
}

function hex(value: bigint): string {
  return value.toString(16).padStart(16, '0')
}
