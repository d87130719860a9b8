import type { Kysely } from 'kysely'
import type { DatabaseKind } from '../db/connection-url.js'
import { capabilitiesOf } from '../engines/index.js'
import { boundedJson } from '../model/bounded-json.js'
import type { Reject } from '../model/canonical-record.js'
import type { Checkpoint } from '../plugin/source-plugin.js'

/** A run's status in `ledgerport_runs`. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'rolled_back'

/** A row of `ledgerport_runs`, as `ledgerport runs` shows it. */
export interface RunRecord {
  readonly id: string
  readonly source: string
  readonly target: string
  readonly options: Record<string, unknown>
  readonly status: RunStatus
  readonly counts: Record<string, unknown> | null
  readonly startedAt: string
  readonly finishedAt: string | null
  readonly error: string | null
}

/** A stream's stored checkpoint. */
export interface StoredCheckpoint {
  readonly checkpoint: Checkpoint | null
  readonly complete: boolean
  readonly runId: string
  readonly updatedAt: string
}

/** Reads and writes the engine's ledger tables on a target (`ledgerport_runs`, `_checkpoints`, `_rejects`). */
export class RunLedger {
  readonly #kind: DatabaseKind

  constructor(kind: DatabaseKind) {
    this.#kind = kind
  }

  /** Records a new run as `running`. */
  async startRun(
    db: Kysely<any>,
    run: { id: string; source: string; target: string; options: Record<string, unknown> },
  ): Promise<void> {
    await db
      .insertInto('ledgerport_runs')
      .values({
        ...run,
        options: JSON.stringify(run.options),
        status: 'running',
        started_at: new Date().toISOString(),
      })
      .execute()
  }

  /** Marks a resumed run as running again. */
  async resumeRun(db: Kysely<any>, id: string): Promise<void> {
    await db
      .updateTable('ledgerport_runs')
      .set({ status: 'running', error: null, finished_at: null })
      .where('id', '=', id)
      .execute()
  }

  /** Records how a run ended. */
  async finishRun(
    db: Kysely<any>,
    id: string,
    status: RunStatus,
    counts: unknown,
    error?: string,
  ): Promise<void> {
    await db
      .updateTable('ledgerport_runs')
      .set({
        status,
        counts: JSON.stringify(counts),
        finished_at: new Date().toISOString(),
        error: error ?? null,
      })
      .where('id', '=', id)
      .execute()
  }

  /**
   * Stores a running run's counts so far; call it in the transaction of the batch they include, so
   * they always equal what committed, and a run resumed after a kill continues from them.
   */
  async putCounts(db: Kysely<any>, id: string, counts: unknown): Promise<void> {
    await db
      .updateTable('ledgerport_runs')
      .set({ counts: JSON.stringify(counts) })
      .where('id', '=', id)
      .execute()
  }

  /** Sets a run's status only. */
  async setStatus(db: Kysely<any>, id: string, status: RunStatus): Promise<void> {
    await db.updateTable('ledgerport_runs').set({ status }).where('id', '=', id).execute()
  }

  /**
   * Records as `failed` the `running` runs of this source and scope, with `reason`; call it while
   * holding the scope's run lock, when no live process can be running them (a run that could not
   * write its end, e.g. on a full disk, or a killed one). They stay resumable. Returns their ids.
   */
  async failAbandoned(db: Kysely<any>, source: string, scope: string, reason: string): Promise<string[]> {
    const rows = await db
      .selectFrom('ledgerport_runs')
      .select(['id', 'options'])
      .where('source', '=', source)
      .where('status', '=', 'running')
      .execute()
    const ids = rows
      .filter((row) => ((parseJson(row.options) ?? {}) as { scope?: unknown }).scope === scope)
      .map((row) => String(row.id))
    if (ids.length)
      await db
        .updateTable('ledgerport_runs')
        .set({ status: 'failed', error: reason, finished_at: new Date().toISOString() })
        .where('id', 'in', ids)
        .where('status', '=', 'running')
        .execute()
    return ids
  }

  /** One run, or undefined. */
  async getRun(db: Kysely<any>, id: string): Promise<RunRecord | undefined> {
    const row = await db.selectFrom('ledgerport_runs').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toRun(row) : undefined
  }

  /** Runs, newest first. */
  async listRuns(db: Kysely<any>, filter: { source?: string; limit?: number } = {}): Promise<RunRecord[]> {
    let query = db
      .selectFrom('ledgerport_runs')
      .selectAll()
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
    if (filter.source) query = query.where('source', '=', filter.source)
    if (filter.limit) query = query.limit(filter.limit)
    return (await query.execute()).map(toRun)
  }

  /** The newest unfinished (`running` or `failed`) run of this source and scope, to resume. */
  async findResumable(db: Kysely<any>, source: string, scope: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('ledgerport_checkpoints')
      .innerJoin('ledgerport_runs', 'ledgerport_runs.id', 'ledgerport_checkpoints.run_id')
      .select('ledgerport_runs.id')
      .where('ledgerport_checkpoints.source', '=', source)
      .where('ledgerport_checkpoints.scope', '=', scope)
      .where('ledgerport_runs.status', 'in', ['running', 'failed'])
      .orderBy('ledgerport_runs.started_at', 'desc')
      .executeTakeFirst()
    return row ? String(row.id) : undefined
  }

  /** A stream's checkpoint. */
  async getCheckpoint(
    db: Kysely<any>,
    source: string,
    scope: string,
    stream: string,
  ): Promise<StoredCheckpoint | undefined> {
    const row = await db
      .selectFrom('ledgerport_checkpoints')
      .selectAll()
      .where('source', '=', source)
      .where('scope', '=', scope)
      .where('stream', '=', stream)
      .executeTakeFirst()
    if (!row) return undefined
    return {
      checkpoint: row.checkpoint == null ? null : (parseJson(row.checkpoint) as Checkpoint),
      complete: Boolean(row.complete),
      runId: String(row.run_id),
      updatedAt: toIso(row.updated_at),
    }
  }

  /** Stores a stream's checkpoint; call it in the same transaction as the rows it covers. */
  async putCheckpoint(
    db: Kysely<any>,
    key: { source: string; scope: string; stream: string },
    value: { checkpoint: Checkpoint | null; complete: boolean; runId: string },
  ): Promise<void> {
    const row = {
      checkpoint: value.checkpoint === null ? null : JSON.stringify(value.checkpoint),
      complete: capabilitiesOf(this.#kind).booleans === 'native' ? value.complete : value.complete ? 1 : 0,
      run_id: value.runId,
      updated_at: new Date().toISOString(),
    }
    await db
      .insertInto('ledgerport_checkpoints')
      .values({ ...key, ...row })
      .onConflict((oc) => oc.columns(['source', 'scope', 'stream']).doUpdateSet(row))
      .execute()
  }

  /** Stores rejects of a batch (in its transaction). */
  async putRejects(
    db: Kysely<any>,
    runId: string,
    source: string,
    rejects: ReadonlyArray<Reject>,
  ): Promise<void> {
    if (rejects.length === 0) return
    const now = new Date().toISOString()
    const rows = rejects.map((reject) => ({
      run_id: runId,
      source,
      stream: reject.stream ?? null,
      entity: reject.entity ?? null,
      file: reject.location.file ?? null,
      path: reject.location.path ?? null,
      table_name: reject.location.table ?? null,
      record_key: reject.location.key ?? null,
      field: reject.field ?? null,
      reason: reject.reason,
      raw: reject.raw === undefined ? null : safeJson(reject.raw),
      created_at: now,
    }))
    for (let i = 0; i < rows.length; i += 1_000)
      await db
        .insertInto('ledgerport_rejects')
        .values(rows.slice(i, i + 1_000))
        .execute()
  }
}

function toRun(row: Record<string, unknown>): RunRecord {
  return {
    id: String(row.id),
    source: String(row.source),
    target: String(row.target),
    options: (parseJson(row.options) ?? {}) as Record<string, unknown>,
    status: String(row.status) as RunStatus,
    counts: (parseJson(row.counts) ?? null) as Record<string, unknown> | null,
    startedAt: toIso(row.started_at),
    finishedAt: row.finished_at == null ? null : toIso(row.finished_at),
    error: row.error == null ? null : String(row.error),
  }
}

function parseJson(value: unknown): unknown {
  if (value == null) return null
  return typeof value === 'string' ? JSON.parse(value) : value
}

function toIso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value)
}

/** A reject's raw value as JSON that never overflows the stack (deep values are cut with a note). */
function safeJson(value: unknown): string {
  return boundedJson(value)
}
