import { type Kysely, sql } from 'kysely'
import type { DatabaseKind } from '../db/connection-url.js'
import { capabilitiesOf } from '../engines/index.js'
import { ENTITIES, ENTITY_COLUMNS, type EntityName } from '../model/entities.js'
import type { Target } from '../plugin/target-plugin.js'
import { RunLedger } from './run-ledger.js'
import { SourceDigestStore } from './source-digests.js'
import { tableColumns } from './sql-target.js'

/** Options of {@link rollbackRun}. */
export interface RollbackRunOptions {
  /** The run to undo. */
  readonly runId: string
  /** Also undo later runs that changed this run's rows, newest first. Default is `false` (refuse). */
  readonly cascade?: boolean
  /** Say what would happen; change nothing. Default is `false`. */
  readonly dryRun?: boolean
}

/** What rolling back one run did (or would do). */
export interface RolledBackRun {
  readonly runId: string
  /** Rows the run inserted, deleted now, per table. */
  readonly deleted: Partial<Record<EntityName, number>>
  /** Rows the run updated, restored now from their before-images, per table. */
  readonly restored: Partial<Record<EntityName, number>>
  /**
   * Rows the run inserted that rows of other runs still reference (the `users` row of `--user-id`,
   * a bot): kept, and handed to the oldest run that references them, per table.
   */
  readonly kept: Partial<Record<EntityName, number>>
}

/** The result of {@link rollbackRun}; it never throws. */
export interface RollbackResultSet {
  readonly error?: Error
  /** Runs undone, in the order they were undone (newest first). */
  readonly runs: ReadonlyArray<RolledBackRun>
  readonly dryRun: boolean
  /** What the user should know: rows kept because other runs reference them, and which runs. */
  readonly notes: ReadonlyArray<string>
}

class DryRunRollback extends Error {}

/**
 * Undoes a run: deletes the rows it inserted and restores the rows it updated from
 * `ledgerport_journal`, in one transaction. A run whose rows a later run changed is refused unless
 * `cascade`, which undoes those later runs first, newest first. A row the run inserted that rows of
 * other runs still reference (the `users` row `--user-id` created, linked to by every later run) is
 * kept, so that no reference dangles: it is handed to the oldest run that references it (rolling that
 * one back later removes it, unless still referenced), and a note names the runs.
 */
export async function rollbackRun(target: Target, options: RollbackRunOptions): Promise<RollbackResultSet> {
  const kind = target.connection.kind
  const ledger = new RunLedger(kind)
  const runs: RolledBackRun[] = []
  const notes: string[] = []
  try {
    const run = await ledger.getRun(target.connection.db, options.runId)
    if (!run) throw new Error(`There is no run ${options.runId}. \`ledgerport runs\` lists them.`)
    if (run.status === 'rolled_back') throw new Error(`Run ${options.runId} was already rolled back.`)
    await target
      .transaction(async (tx) => {
        const undo = async (runId: string, chain: ReadonlyArray<string>): Promise<void> => {
          const later = await laterRuns(tx.db, runId)
          if (later.length && !options.cascade) {
            throw new Error(
              `Run ${runId}'s rows were changed by later run(s) ${later.join(', ')}. Roll those back first, or pass --cascade to undo them too (newest first).`,
            )
          }
          for (const laterRun of later) {
            if (chain.includes(laterRun))
              throw new Error(`Runs ${chain.join(' → ')} → ${laterRun} depend on each other in a cycle.`)
            await undo(laterRun, [...chain, runId])
          }
          if (runs.some((r) => r.runId === runId)) return
          runs.push(await undoOne(tx.db, kind, runId, notes))
          await ledger.setStatus(tx.db, runId, 'rolled_back')
        }
        await undo(options.runId, [])
        if (options.dryRun) throw new DryRunRollback()
      })
      .catch((error) => {
        if (!(error instanceof DryRunRollback)) throw error
      })
    return { runs, dryRun: Boolean(options.dryRun), notes }
  } catch (error) {
    return { error: error as Error, runs: [], dryRun: Boolean(options.dryRun), notes: [] }
  }
}

/** Every reference column, by the table it points to: `users` ← `bots.user_id`, `orders.user_id`… */
const REFERENCES: ReadonlyMap<EntityName, ReadonlyArray<{ entity: EntityName; column: string }>> = (() => {
  const map = new Map<EntityName, Array<{ entity: EntityName; column: string }>>()
  for (const entity of ENTITIES)
    for (const column of ENTITY_COLUMNS[entity])
      if (column.type === 'ref' && column.ref)
        map.set(column.ref, [...(map.get(column.ref) ?? []), { entity, column: column.name }])
  return map
})()

/**
 * Rows of `entity` that run `runId` inserted and rows of other runs still reference: handed to the
 * oldest referencing run (still in force), so the caller's delete keeps them. How many, and which runs.
 */
async function keepReferenced(
  db: Kysely<any>,
  entity: EntityName,
  runId: string,
): Promise<{ kept: number; runs: string[] }> {
  const byRow = new Map<string, Set<string>>()
  for (const { entity: child, column } of REFERENCES.get(entity) ?? []) {
    const { rows } = await sql<{ id: string; run: string }>`
      select distinct r.id as id, t.first_run_id as run from ${sql.table(child)} t
      join ${sql.table(entity)} r on r.id = t.${sql.ref(column)}
      where r.first_run_id = ${runId} and t.first_run_id <> ${runId}`.execute(db)
    for (const row of rows) {
      const id = String(row.id)
      byRow.set(id, (byRow.get(id) ?? new Set()).add(String(row.run)))
    }
  }
  if (byRow.size === 0) return { kept: 0, runs: [] }
  const referencing = [...new Set([...byRow.values()].flatMap((runs) => [...runs]))]
  const order = await db
    .selectFrom('ledgerport_runs')
    .select('id')
    .where('id', 'in', referencing)
    .orderBy('started_at', 'asc')
    .orderBy('id', 'asc')
    .execute()
  const rank = new Map(order.map((row, index) => [String(row.id), index]))
  const oldest = (runs: Set<string>) =>
    [...runs].sort(
      (a, b) => (rank.get(a) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b) ?? Number.MAX_SAFE_INTEGER),
    )[0]!
  for (const [id, runs] of byRow) {
    const heir = oldest(runs)
    await sql`update ${sql.table(entity)} set first_run_id = ${heir},
      last_run_id = case when last_run_id = ${runId} then ${heir} else last_run_id end
      where id = ${id}`.execute(db)
  }
  return { kept: byRow.size, runs: referencing.sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0)) }
}

/** Runs, newest first, that last wrote a row this run inserted or updated. */
async function laterRuns(db: Kysely<any>, runId: string): Promise<string[]> {
  const found = new Set<string>()
  for (const entity of ENTITIES) {
    const { rows } = await sql<{ last_run_id: string }>`
      select distinct t.last_run_id from ${sql.table(entity)} t
      where t.last_run_id <> ${runId} and (t.first_run_id = ${runId} or exists (
        select 1 from ledgerport_journal j where j.run_id = ${runId} and j.entity = ${entity} and j.row_id = t.id))`.execute(
      db,
    )
    for (const row of rows) found.add(row.last_run_id)
  }
  if (found.size === 0) return []
  const ordered = await db
    .selectFrom('ledgerport_runs')
    .select('id')
    .where('id', 'in', [...found])
    .where('status', '<>', 'rolled_back')
    .orderBy('started_at', 'desc')
    .execute()
  return ordered.map((row) => String(row.id))
}

async function undoOne(
  db: Kysely<any>,
  kind: DatabaseKind,
  runId: string,
  notes: string[],
): Promise<RolledBackRun> {
  const deleted: Partial<Record<EntityName, number>> = {}
  const restored: Partial<Record<EntityName, number>> = {}
  const kept: Partial<Record<EntityName, number>> = {}
  for (const entity of [...ENTITIES].reverse()) {
    const table = sql.table(entity)
    const columns = tableColumns(entity).filter((column) => column !== 'id')
    let restoredRows: bigint | undefined
    if (capabilitiesOf(kind).dialect === 'postgres') {
      const list = sql.join(columns.map((c) => sql.id(c)))
      const result =
        await sql`update ${table} t set (${list}) = (select ${list} from jsonb_populate_record(null::${table}, j.before))
        from ledgerport_journal j where j.run_id = ${runId} and j.entity = ${entity} and j.row_id = t.id`.execute(
          db,
        )
      restoredRows = result.numAffectedRows
    } else {
      const assignments = sql.join(
        columns.map(
          (c) =>
            sql`${sql.id(c)} = (select json_extract(j.before, ${`$.${c}`}) from ledgerport_journal j where j.run_id = ${runId} and j.entity = ${entity} and j.row_id = ${table}.id)`,
        ),
      )
      const result = await sql`update ${table} set ${assignments}
        where id in (select row_id from ledgerport_journal where run_id = ${runId} and entity = ${entity})`.execute(
        db,
      )
      restoredRows = result.numAffectedRows
    }
    // Children first (ENTITIES reversed): what still points at this run's rows now is other runs'.
    const referenced = await keepReferenced(db, entity, runId)
    if (referenced.kept) {
      kept[entity] = referenced.kept
      notes.push(
        `Kept ${referenced.kept} ${entity} row(s) run ${runId} inserted: rows of run(s) ${referenced.runs.join(', ')} still reference them (they now belong to run ${referenced.runs[0]}).`,
      )
    }
    const removed = await db.deleteFrom(entity).where('first_run_id', '=', runId).executeTakeFirst()
    if (Number(removed.numDeletedRows)) deleted[entity] = Number(removed.numDeletedRows)
    if (Number(restoredRows ?? 0)) restored[entity] = Number(restoredRows)
  }
  await db.deleteFrom('ledgerport_journal').where('run_id', '=', runId).execute()
  await db.deleteFrom('ledgerport_checkpoints').where('run_id', '=', runId).execute()
  await SourceDigestStore.forgetRun(db, runId)
  return { runId, deleted, restored, kept }
}

/** Options of {@link rollbackSource}. */
export interface RollbackSourceOptions {
  /** The source whose rows go (`json-files`). */
  readonly source: string
  /** Only the rows this stream of the source wrote (`pending_orders`). Default is every stream. */
  readonly stream?: string
  /** Say what would happen; change nothing. Default is `false`. */
  readonly dryRun?: boolean
}

/** What {@link rollbackSource} removed (or would remove); it never throws. */
export interface RollbackSourceResult {
  readonly error?: Error
  /** Rows deleted per table. */
  readonly deleted: Partial<Record<EntityName, number>>
  readonly dryRun: boolean
}

/**
 * Removes everything a source wrote (seed 001's selective rollback), or only one of its streams:
 * its rows, their journal entries and its checkpoints (so the next run reads it again), in one
 * transaction. Runs of that source are marked `rolled_back` when the whole source is removed.
 */
export async function rollbackSource(
  target: Target,
  options: RollbackSourceOptions,
): Promise<RollbackSourceResult> {
  const deleted: Partial<Record<EntityName, number>> = {}
  try {
    await target
      .transaction(async (tx) => {
        for (const entity of [...ENTITIES].reverse()) {
          let query = tx.db.deleteFrom(entity).where('source', '=', options.source)
          if (options.stream) query = query.where('source_stream', '=', options.stream)
          const result = await query.executeTakeFirst()
          if (Number(result.numDeletedRows)) deleted[entity] = Number(result.numDeletedRows)
        }
        let checkpoints = tx.db.deleteFrom('ledgerport_checkpoints').where('source', '=', options.source)
        if (options.stream) checkpoints = checkpoints.where('stream', '=', options.stream)
        await checkpoints.execute()
        await SourceDigestStore.forgetSource(tx.db, options.source, options.stream)
        if (!options.stream) {
          await tx.db
            .updateTable('ledgerport_runs')
            .set({ status: 'rolled_back' })
            .where('source', '=', options.source)
            .execute()
        }
        if (options.dryRun) throw new DryRunRollback()
      })
      .catch((error) => {
        if (!(error instanceof DryRunRollback)) throw error
      })
    return { deleted, dryRun: Boolean(options.dryRun) }
  } catch (error) {
    return { error: error as Error, deleted: {}, dryRun: Boolean(options.dryRun) }
  }
}
