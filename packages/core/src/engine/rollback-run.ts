import { type Kysely, sql } from 'kysely'
import type { DatabaseKind } from '../db/connection-url.js'
import { capabilitiesOf } from '../engines/index.js'
import { ENTITIES, type EntityName } from '../model/entities.js'
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
}

/** The result of {@link rollbackRun}; it never throws. */
export interface RollbackResultSet {
  readonly error?: Error
  /** Runs undone, in the order they were undone (newest first). */
  readonly runs: ReadonlyArray<RolledBackRun>
  readonly dryRun: boolean
}

class DryRunRollback extends Error {}

/**
 * Undoes a run: deletes the rows it inserted and restores the rows it updated from
 * `ledgerport_journal`, in one transaction. A run whose rows a later run changed is refused unless
 * `cascade`, which undoes those later runs first, newest first.
 */
export async function rollbackRun(target: Target, options: RollbackRunOptions): Promise<RollbackResultSet> {
  const kind = target.connection.kind
  const ledger = new RunLedger(kind)
  const runs: RolledBackRun[] = []
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
          runs.push(await undoOne(tx.db, kind, runId))
          await ledger.setStatus(tx.db, runId, 'rolled_back')
        }
        await undo(options.runId, [])
        if (options.dryRun) throw new DryRunRollback()
      })
      .catch((error) => {
        if (!(error instanceof DryRunRollback)) throw error
      })
    return { runs, dryRun: Boolean(options.dryRun) }
  } catch (error) {
    return { error: error as Error, runs: [], dryRun: Boolean(options.dryRun) }
  }
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

async function undoOne(db: Kysely<any>, kind: DatabaseKind, runId: string): Promise<RolledBackRun> {
  const deleted: Partial<Record<EntityName, number>> = {}
  const restored: Partial<Record<EntityName, number>> = {}
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
    const removed = await db.deleteFrom(entity).where('first_run_id', '=', runId).executeTakeFirst()
    if (Number(removed.numDeletedRows)) deleted[entity] = Number(removed.numDeletedRows)
    if (Number(restoredRows ?? 0)) restored[entity] = Number(restoredRows)
  }
  await db.deleteFrom('ledgerport_journal').where('run_id', '=', runId).execute()
  await db.deleteFrom('ledgerport_checkpoints').where('run_id', '=', runId).execute()
  await SourceDigestStore.forgetRun(db, runId)
  return { runId, deleted, restored }
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
