import { createHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import {
  acquireRunLock,
  type DatabaseConnection,
  describeTargetFault,
  newRunId,
  quoteIdentifier,
  type Reject,
  RejectsFile,
  type RunLock,
  redactSecrets,
  sqliteFileSignature,
} from '@ledgerport/core'
import { type Kysely, sql } from 'kysely'
import { createReplicaWriter } from './create-replica-writer.js'
import { type EncodedPage, openPageStream } from './page-stream.js'
import {
  decodeKey,
  deleteRegistry,
  encodeKey,
  ensureRegistry,
  putRegistry,
  REPLICA_REGISTRY_TABLE,
  type ReplicaCounts,
  type ReplicaEntry,
  readRegistry,
} from './replica-registry.js'
import type { EncodedRows, ReplicaWriter } from './replica-writer.js'
import {
  type ConversionNotes,
  createPgRowEncoder,
  createSqliteRowEncoder,
  isRejected,
  keyText,
  type PgRowEncoder,
  type SqliteRowEncoder,
} from './row-encoders.js'
import { openSourceReader } from './source-reader.js'
import { planTable, type TablePlan } from './table-plan.js'
import {
  describeSourceTable,
  listSourceTables,
  REPLICA_TABLE_PREFIX,
  targetTableExists,
} from './table-schema.js'
import type { ReplicaColumn } from './type-mapping.js'

/** Constructor input of {@link Replicator}. */
export interface ReplicatorProps {
  /** The source, opened read-only (`connectSource(url)`). Never written to. */
  readonly source: DatabaseConnection
  /** The target. The replicator closes neither connection. */
  readonly target: DatabaseConnection
  /** Only these tables (names, or patterns with `*` and `?`). Default is every table. */
  readonly tables?: ReadonlyArray<string>
  /** Not these tables (names or patterns). */
  readonly exclude?: ReadonlyArray<string>
  /** SQLite FLOAT/REAL columns become PostgreSQL `numeric` holding each value's shortest round-trip decimal. */
  readonly exactDecimals?: boolean
  /** Keep target rows whose source row was deleted. Default is `false` (deletions are mirrored). */
  readonly noDelete?: boolean
  /** Tables copied at the same time. Default is the number of cores. */
  readonly jobs?: number
  /** Read everything and report what would change; write nothing. Default is `false`. */
  readonly dryRun?: boolean
  /** JSONL file for rejected rows, or `false` for none. Default is `./ledgerport-rejects/RUN_ID.jsonl`. */
  readonly rejectsFile?: string | false
  /** Rows read per page. Default is about 100,000 values' worth (5,000 rows at most). */
  readonly pageSize?: number
  /** Called after each page of each table. */
  readonly onProgress?: (progress: ReplicaProgress) => void
  /** Stops cleanly after the current page; what was written is kept and the next run resumes. */
  readonly signal?: AbortSignal
  /**
   * Read and compare every table, even when the source file has not changed since its copy was
   * made. Default is `false`: a SQLite source whose file signature is unchanged is not read again.
   */
  readonly full?: boolean
  /**
   * How long to wait for another process replicating the same source into this target, in ms
   * (`--lock-timeout`). Default is `0`: stop at once with `… locked by pid P on host H since T`.
   */
  readonly lockTimeoutMs?: number
}

/** Where a table's copy is, for progress bars. */
export interface ReplicaProgress {
  readonly table: string
  /** Source rows read so far. */
  readonly read: number
  /** Source rows in all (when known). */
  readonly total?: number
}

/** Row counts of a table or of a whole replicate. */
export interface ReplicaTableCounts {
  /** Source rows read (rejected ones included). */
  readonly read: number
  readonly inserted: number
  readonly updated: number
  /** Target rows deleted because their source row is gone. */
  readonly deleted: number
  readonly unchanged: number
  /** Source rows with a value that does not convert: not written, listed in the rejects. */
  readonly rejected: number
}

/** The outcome of one table. */
export interface ReplicaTableResult extends ReplicaTableCounts {
  readonly table: string
  /** `Success`; `Error` (this table stopped, the others went on); `NotExecuted` (stopped before the end). */
  readonly status: 'Success' | 'Error' | 'NotExecuted'
  /**
   * `fresh` (first copy), `incremental` (changes by key and row hash), `whole` (no key: replaced when
   * changed), `unchanged` (the source file has not changed since the copy was made: not read).
   */
  readonly mode: 'fresh' | 'incremental' | 'whole' | 'unchanged'
  readonly seconds: number
  readonly warnings: ReadonlyArray<string>
  readonly error?: string
}

/** A rejected source row. */
export interface ReplicaReject {
  readonly table: string
  /** The row's key, e.g. `id=42`. */
  readonly key: string
  /** The column whose value did not convert. */
  readonly column: string
  readonly reason: string
}

/** What {@link Replicator.run} returns; it never throws. */
export interface ReplicaResultSet {
  readonly runId: string
  /** Set when the run failed as a whole, a table failed, or it was stopped. */
  readonly error?: Error
  readonly results: ReadonlyArray<ReplicaTableResult>
  readonly totals: ReplicaTableCounts
  readonly warnings: ReadonlyArray<string>
  /** The first 100 rejects (all of them are in the rejects file). */
  readonly rejects: ReadonlyArray<ReplicaReject>
  /** The JSONL file with every reject, when there were any. */
  readonly rejectsFile?: string
  readonly dryRun: boolean
  /** True when this run continued an interrupted one. */
  readonly resumed: boolean
}

const ZERO: ReplicaCounts = { read: 0, inserted: 0, updated: 0, deleted: 0, unchanged: 0, rejected: 0 }
const MAX_PAGE_SIZE = 5_000
const VALUES_PER_PAGE = 100_000
/** Rows per transaction of a first copy (at most; 10 pages). */
const LOAD_ROWS_PER_TRANSACTION = 50_000
/** Changed rows collected before they are written. */
const CHANGES_PER_TRANSACTION = 20_000
/** Unchanged rows between two checkpoints of a re-run. */
const ROWS_PER_CHECKPOINT = 100_000
const SAMPLE_REJECTS = 100

/** Everything one table's copy needs. */
interface TableJob {
  readonly plan: TablePlan
  readonly writer: ReplicaWriter
  readonly counts: ReplicaCounts
  /** The counts as of the last commit: what a failed table reports (a rolled-back batch is not counted). */
  committed: ReplicaCounts
  readonly warnings: string[]
  readonly notes: ConversionNotes
  /** The source file's signature before the table was read (SQLite files only). */
  readonly signature: string | null
}

/** The registry fields of a table that stay the same through its copy. */
function registryBase(job: TableJob) {
  const { plan } = job
  return {
    table: plan.table.name,
    stateTable: plan.stateTable,
    schemaHash: plan.schemaHash,
    sourceSignature: job.signature,
  }
}

/**
 * Mirrors tables as they are (no canonical mapping) from one database to another: SQLite, libSQL and
 * PostgreSQL in any direction. The first run creates each table from the source schema and copies
 * it (COPY on PostgreSQL), then adds keys and indexes; later runs compare rows by primary key and
 * row hash (kept in the target) and write only what was inserted, changed or deleted. Rows and
 * checkpoints commit together, so a killed run resumes where it stopped. Shaped like Kysely's
 * `Migrator`: {@link run} returns a result set and never throws.
 *
 * ```ts
 * const source = await connectSource('sqlite:tradesv3.sqlite') // read-only
 * const target = await connect('postgres://bot@localhost/central')
 * const result = await new Replicator({ source, target }).run()
 * if (result.error) console.error(result.error.message)
 * ```
 */
export class Replicator {
  readonly #props: ReplicatorProps
  readonly #secrets: string[]
  #runId = ''
  #resumed = false
  #rejectsFile: RejectsFile | undefined
  #rejectSample: ReplicaReject[] = []

  constructor(props: ReplicatorProps) {
    this.#props = Object.freeze({ ...props })
    this.#secrets = [...props.source.secrets, ...props.target.secrets]
  }

  /** Replicates every selected table; see {@link ReplicaResultSet}. */
  async run(): Promise<ReplicaResultSet> {
    const props = this.#props
    const results: ReplicaTableResult[] = []
    const warnings: string[] = []
    this.#runId = newRunId()
    this.#resumed = false
    this.#rejectsFile = undefined
    this.#rejectSample = []
    let lock: RunLock | undefined
    try {
      if (sameDatabase(props.source, props.target))
        throw new Error('The source and the target are the same database.')
      // Before the registry is read: a copy another process is making is never resumed nor doubled.
      if (!props.dryRun)
        lock = await acquireRunLock(props.target, {
          kind: 'replicate',
          // Named like the rest of replicate's bookkeeping, so it is never replicated itself.
          table: `${REPLICA_TABLE_PREFIX}locks`,
          source: props.source.displayUrl,
          scope: '',
          timeoutMs: props.lockTimeoutMs ?? 0,
          onWarning: (message) => warnings.push(message),
        })
      const names = await this.#selectTables()
      const target = props.target
      let entries = new Map<string, ReplicaEntry>()
      if (!props.dryRun) {
        await ensureRegistry(target.db)
        entries = await readRegistry(target.db)
      } else if (await targetTableExists(target, REPLICA_REGISTRY_TABLE)) {
        entries = await readRegistry(target.db)
      }
      const interrupted = names
        .map((name) => entries.get(name))
        .find((entry) => entry && entry.status !== 'ready')
      if (interrupted && !props.dryRun) {
        this.#runId = interrupted.runId
        this.#resumed = true
        warnings.push(`Resuming run ${this.#runId} from its checkpoints.`)
      }
      if (!props.dryRun && props.rejectsFile !== false) {
        this.#rejectsFile = new RejectsFile(
          props.rejectsFile ?? join(process.cwd(), 'ledgerport-rejects', `${this.#runId}.jsonl`),
        )
      }
      const jobs = Math.max(1, Math.floor(props.jobs ?? availableParallelism()))
      const slots = new Array<ReplicaTableResult>(names.length)
      let next = 0
      await Promise.all(
        Array.from({ length: Math.min(jobs, names.length) }, async () => {
          while (next < names.length) {
            const index = next++
            slots[index] = await this.#replicateTable(names[index]!, entries.get(names[index]!))
          }
        }),
      )
      results.push(...slots)
      const failed = results.filter((result) => result.status === 'Error')
      const stopped = results.some((result) => result.status === 'NotExecuted')
      return this.#resultSet(
        results,
        warnings,
        failed.length
          ? (fullDiskError(failed, props.target.displayUrl) ??
              new Error(
                `${failed.length} table(s) failed: ${failed.map((r) => `${r.table}: ${r.error}`).join('; ')}`,
              ))
          : stopped
            ? new Error('Stopped before the end; run the same command again to resume.')
            : undefined,
      )
    } catch (error) {
      return this.#resultSet(
        results,
        warnings,
        this.#redacted(describeTargetFault(error, props.target.displayUrl)),
      )
    } finally {
      await this.#rejectsFile?.close().catch(() => {})
      await lock?.release()
    }
  }

  #resultSet(
    results: ReadonlyArray<ReplicaTableResult>,
    warnings: ReadonlyArray<string>,
    error: Error | undefined,
  ): ReplicaResultSet {
    const totals = { ...ZERO }
    for (const result of results) {
      for (const key of Object.keys(ZERO) as Array<keyof ReplicaCounts>) totals[key] += result[key]
    }
    return {
      runId: this.#runId,
      ...(error ? { error } : {}),
      results,
      totals,
      warnings: [...warnings, ...results.flatMap((result) => result.warnings)],
      rejects: this.#rejectSample,
      ...(this.#rejectsFile?.count ? { rejectsFile: this.#rejectsFile.path } : {}),
      dryRun: Boolean(this.#props.dryRun),
      resumed: this.#resumed,
    }
  }

  #redacted(error: unknown): Error {
    const message = error instanceof Error ? error.message : String(error)
    return new Error(redactSecrets(message, this.#secrets), { cause: error })
  }

  async #selectTables(): Promise<string[]> {
    const all = await listSourceTables(this.#props.source)
    const include = this.#props.tables?.filter((name) => name.trim() !== '')
    const exclude = (this.#props.exclude ?? []).map(globPattern)
    if (include?.length) {
      const missing = include.filter((name) => !/[*?]/.test(name) && !all.includes(name))
      if (missing.length) throw new Error(`The source has no table ${missing.join(', ')}.`)
    }
    const patterns = include?.length ? include.map(globPattern) : undefined
    return all.filter(
      (name) =>
        (!patterns || patterns.some((pattern) => pattern.test(name))) &&
        !exclude.some((pattern) => pattern.test(name)),
    )
  }

  async #replicateTable(name: string, stored: ReplicaEntry | undefined): Promise<ReplicaTableResult> {
    const props = this.#props
    const started = performance.now()
    let mode: ReplicaTableResult['mode'] = stored?.status === 'ready' ? 'incremental' : 'fresh'
    let job: TableJob | undefined
    if (props.signal?.aborted)
      return { table: name, status: 'NotExecuted', mode, seconds: 0, warnings: [], ...ZERO }
    try {
      const table = await describeSourceTable(props.source, name)
      const plan = planTable(table, props.source.kind, props.target.kind, {
        ...(props.exactDecimals ? { exactDecimals: true } : {}),
      })
      const notes: ConversionNotes = { offsetToUtc: new Map(), naiveAsUtc: new Map() }
      job = {
        plan,
        writer: createReplicaWriter(props.target, plan),
        counts: { ...ZERO },
        committed: { ...ZERO },
        warnings: [...table.warnings],
        notes,
        // Taken before reading: a write during the read makes the next run read again.
        signature: sourceFileSignature(props.source),
      }
      const db = props.target.db
      const exists = await targetTableExists(props.target, name)
      let entry = stored
      if (entry && !exists) {
        // The copy was dropped in the target: start over.
        if (!props.dryRun) {
          await job.writer.dropBookkeeping(db)
          await deleteRegistry(db, name)
        }
        entry = undefined
      }
      if (!entry && exists)
        throw new Error(
          `The target already has a table ${name} that replicate did not create; drop it or replicate into another database.`,
        )
      if (entry && entry.schemaHash !== plan.schemaHash)
        throw new Error(
          `The source table ${name} no longer has the shape it was copied with (columns, types, key, --exact-decimals). Drop the target table ${name} to copy it again.`,
        )
      if (
        entry?.status === 'ready' &&
        !props.full &&
        job.signature !== null &&
        entry.sourceSignature === job.signature
      ) {
        const { rows } = await sql<{
          n: number | string
        }>`select count(*) as n from ${sql.table(name)}`.execute(db)
        const counts = { ...ZERO, unchanged: Number(rows[0]?.n ?? 0) }
        return this.#tableResult(job, name, 'unchanged', started, 'Success', counts)
      }
      if (plan.key.length === 0) mode = 'whole'
      if (entry && this.#resumed && entry.runId === this.#runId && entry.status === 'ready') {
        // Done before the interruption.
        return this.#tableResult(job, name, mode, started, 'Success', pickCounts(entry.counts))
      }
      if (plan.key.length === 0) {
        job.warnings.push(
          `${name} has no primary key: it is copied whole, and replaced whole when it changes.`,
        )
        return await this.#whole(job, entry)
      }
      if (!entry || entry.status === 'loading') return await this.#fresh(job, entry, started)
      mode = 'incremental'
      return await this.#incremental(job, entry, started)
    } catch (error) {
      const result = {
        table: name,
        status: 'Error' as const,
        mode,
        seconds: secondsSince(started),
        warnings: job?.warnings ?? [],
        error: this.#redacted(describeTargetFault(error, props.target.displayUrl)).message,
        ...(job ? pickCounts(props.dryRun ? job.counts : job.committed) : ZERO),
      }
      return result
    }
  }

  #tableResult(
    job: TableJob,
    table: string,
    mode: ReplicaTableResult['mode'],
    started: number,
    status: ReplicaTableResult['status'],
    counts: ReplicaCounts = job.counts,
  ): ReplicaTableResult {
    const warnings = [...job.warnings]
    for (const [column, n] of job.notes.offsetToUtc)
      warnings.push(
        `${table}.${column}: ${n} times with a UTC offset were written as UTC (naive timestamp column).`,
      )
    for (const [column, n] of job.notes.naiveAsUtc)
      warnings.push(`${table}.${column}: ${n} naive times were read as UTC.`)
    return {
      table,
      status,
      mode,
      seconds: secondsSince(started),
      warnings,
      read: counts.read,
      inserted: counts.inserted,
      updated: counts.updated,
      deleted: counts.deleted,
      unchanged: counts.unchanged,
      rejected: counts.rejected,
    }
  }

  /** First copy (or its resumption): rows in pages, each transaction with its checkpoint. */
  async #fresh(job: TableJob, entry: ReplicaEntry | undefined, started: number): Promise<ReplicaTableResult> {
    const props = this.#props
    const { plan, writer, counts } = job
    const name = plan.table.name
    if (entry) Object.assign(counts, pickCounts(entry.counts))
    job.committed = { ...counts }
    let after = entry ? decodeKey(entry.lastKey) : undefined
    const base = { ...registryBase(job), tableHash: null }
    if (!entry && !props.dryRun) {
      await writer.transaction(async (tx) => {
        await writer.create(tx)
        await putRegistry(tx, {
          ...base,
          status: 'loading',
          lastKey: null,
          runId: this.#runId,
          counts: { ...ZERO },
        })
      })
    }
    const total = await this.#total(plan)
    const stream = await openPageStream(
      props.source,
      plan,
      plan.target,
      after,
      this.#pageSize(plan),
      job.notes,
    )
    try {
      let done = false
      let stopped = false
      const pass = async (tx: Kysely<any> | undefined): Promise<Reject[]> => {
        const keys: string[] = []
        const hashes: string[] = []
        const rejects: Reject[] = []
        let rows = 0
        // One page is written (COPY) while the next is read and encoded.
        let writing: Promise<void> | undefined
        try {
          while (rows < Math.min(LOAD_ROWS_PER_TRANSACTION, this.#pageSize(plan) * 10)) {
            const encoded = await stream.next()
            if (!encoded) {
              done = true
              break
            }
            if (writing) await writing
            writing = tx ? writer.insert(tx, encoded.rows) : undefined
            for (let index = 0; index < encoded.length; index++) {
              const hash = encoded.hashes[index]
              if (hash === undefined) continue
              keys.push(encoded.keys[index]!)
              hashes.push(hash)
            }
            rejects.push(...encoded.rejects)
            counts.read += encoded.length
            counts.inserted += encoded.length - encoded.rejects.length
            counts.rejected += encoded.rejects.length
            rows += encoded.length
            after = encoded.last
            props.onProgress?.({ table: name, read: counts.read, ...(total !== undefined ? { total } : {}) })
            if (props.signal?.aborted) {
              stopped = true
              break
            }
          }
        } finally {
          if (writing) await writing
        }
        if (tx) {
          await writer.insertState(tx, keys, hashes)
          await putRegistry(tx, {
            ...base,
            status: 'loading',
            lastKey: after ? encodeKey(after) : null,
            runId: this.#runId,
            counts: { ...counts },
          })
        }
        return rejects
      }
      while (!done && !stopped) {
        const rejects = props.dryRun ? await pass(undefined) : await writer.transaction(pass, { bulk: true })
        job.committed = { ...counts }
        this.#keepRejects(rejects)
      }
      if (stopped && !done) return this.#tableResult(job, name, 'fresh', started, 'NotExecuted')
      if (!props.dryRun) {
        const warnings = await writer.transaction(async (tx) => {
          const found = await writer.finish(tx)
          await putRegistry(tx, {
            ...base,
            status: 'ready',
            lastKey: null,
            runId: this.#runId,
            counts: { ...counts },
          })
          return found
        })
        job.committed = { ...counts }
        job.warnings.push(...warnings)
      }
      return this.#tableResult(job, name, 'fresh', started, 'Success')
    } finally {
      await stream.close()
    }
  }

  /** A re-run: compare each source row's hash with the stored one; write what changed; delete what is gone. */
  async #incremental(job: TableJob, entry: ReplicaEntry, started: number): Promise<ReplicaTableResult> {
    const props = this.#props
    const { plan, writer, counts } = job
    const name = plan.table.name
    const db = props.target.db
    const resuming = entry.status === 'syncing'
    if (resuming) Object.assign(counts, pickCounts(entry.counts))
    job.committed = { ...counts }
    let stateBefore = resuming ? (entry.counts.stateBefore ?? 0) : await writer.stateCount(db)
    let matched = resuming ? (entry.counts.matched ?? 0) : 0
    let after = resuming ? decodeKey(entry.lastKey) : undefined
    const base = { ...registryBase(job), tableHash: null }
    const pending = new PendingChanges()
    let pendingRejects: Reject[] = []
    let sinceCheckpoint = 0
    let stopped = false
    const checkpoint = (tx: Kysely<any>, status: 'syncing' | 'ready') =>
      putRegistry(tx, {
        ...base,
        status,
        lastKey: status === 'ready' || !after ? null : encodeKey(after),
        runId: this.#runId,
        counts: { ...counts, stateBefore, matched },
      })
    const flush = async (tx: Kysely<any>): Promise<void> => {
      if (pending.count) {
        await writer.upsert(tx, pending.rows(plan))
        await writer.upsertState(tx, pending.keys, pending.hashes)
      }
    }
    const total = await this.#total(plan)
    const stream = await openPageStream(
      props.source,
      plan,
      plan.target,
      after,
      this.#pageSize(plan),
      job.notes,
    )
    try {
      // One page ahead: the next page is read, encoded and compared while this one is handled.
      const prepare = async () => {
        const encoded = await stream.next()
        if (!encoded) return undefined
        const stored = writer.compare(db, encoded.keys, encoded.hashes)
        stored.catch(() => {})
        return { encoded, stored }
      }
      let current = await prepare()
      while (current) {
        const { encoded } = current
        const stored = await current.stored
        const next = props.signal?.aborted ? Promise.resolve(undefined) : prepare()
        next.catch(() => {})
        for (let index = 0; index < encoded.length; index++) {
          // Absent from `differs`: known and unchanged.
          const known = stored.get(encoded.keys[index]!) ?? true
          if (known) matched++
          const hash = encoded.hashes[index]
          if (hash === undefined) continue
          if (!stored.has(encoded.keys[index]!)) counts.unchanged++
          else {
            if (known) counts.updated++
            else counts.inserted++
            pending.add(encoded, index, hash)
          }
        }
        if (props.dryRun) this.#keepRejects(encoded.rejects)
        else pendingRejects.push(...encoded.rejects)
        counts.rejected += encoded.rejects.length
        counts.read += encoded.length
        sinceCheckpoint += encoded.length
        after = encoded.last
        props.onProgress?.({ table: name, read: counts.read, ...(total !== undefined ? { total } : {}) })
        stopped = Boolean(props.signal?.aborted)
        if (
          !props.dryRun &&
          (pending.count >= CHANGES_PER_TRANSACTION || sinceCheckpoint >= ROWS_PER_CHECKPOINT || stopped)
        ) {
          await writer.transaction(
            async (tx) => {
              await flush(tx)
              await checkpoint(tx, 'syncing')
            },
            { bulk: true },
          )
          job.committed = { ...counts }
          pending.clear()
          this.#keepRejects(pendingRejects)
          pendingRejects = []
          sinceCheckpoint = 0
        }
        if (stopped) {
          await next
          return this.#tableResult(job, name, 'incremental', started, 'NotExecuted')
        }
        current = await next
      }
      // Done reading: one source connection at a time per table (the probe reads the keys again).
      await stream.close()
      const gone = stateBefore - matched
      let probed = false
      if (gone > 0 && !props.noDelete && !props.dryRun) {
        await this.#probe(job)
        probed = true
      }
      if (props.dryRun) {
        if (!props.noDelete) counts.deleted += Math.max(0, gone)
      } else {
        // A copy that kept rows the source deleted is no mirror: the next run must read the file again.
        if (gone > 0 && props.noDelete) base.sourceSignature = null
        await writer.transaction(async (tx) => {
          await flush(tx)
          if (probed) counts.deleted += await writer.deleteMissing(tx)
          // The next run starts from the new state.
          stateBefore = 0
          matched = 0
          await checkpoint(tx, 'ready')
        })
        job.committed = { ...counts }
        if (counts.inserted) await writer.syncSequences(db)
      }
      this.#keepRejects(pendingRejects)
      if (gone > 0 && props.noDelete)
        job.warnings.push(`${name}: ${gone} rows deleted in the source were kept (no-delete).`)
      return this.#tableResult(job, name, 'incremental', started, 'Success')
    } finally {
      await stream.close()
    }
  }

  /** Loads every source key into the probe table, for {@link ReplicaWriter.deleteMissing}. */
  async #probe(job: TableJob): Promise<void> {
    const { plan, writer } = job
    const db = this.#props.target.db
    await writer.startProbe(db)
    const keyColumns: ReplicaColumn[] = [...plan.key]
    const reader = await openSourceReader(this.#props.source, {
      table: plan.table.name,
      columns: keyColumns,
      key: keyColumns,
    })
    try {
      const probeColumns: ReplicaColumn[] = [
        ...keyColumns,
        { name: 'lp_key', declaredType: 'TEXT', kind: 'text', notNull: true },
      ]
      const indexes = keyColumns.map((_, index) => index)
      const notes: ConversionNotes = { offsetToUtc: new Map(), naiveAsUtc: new Map() }
      const encoder =
        plan.target === 'postgres'
          ? createPgRowEncoder(probeColumns, plan.source, plan.options, notes)
          : createSqliteRowEncoder(probeColumns, plan.source)
      let after: unknown[] | undefined
      for (;;) {
        const page = await reader.page(after, this.#pageSize(plan) * 4)
        if (page.length === 0) break
        const rows = page.map((row) => [...row, keyText(row, indexes)])
        const encoded = this.#encodeRows(encoder, rows)
        await writer.appendProbe(db, encoded)
        after = page[page.length - 1]!
      }
    } finally {
      await reader.close()
    }
  }

  /** A table without a key: hashed whole; replaced whole when the hash differs from the last run's. */
  async #whole(job: TableJob, entry: ReplicaEntry | undefined): Promise<ReplicaTableResult> {
    const props = this.#props
    const started = performance.now()
    const { plan, writer, counts } = job
    const name = plan.table.name
    const base = registryBase(job)
    const readAll = async (
      write: ((rows: EncodedRows) => Promise<void>) | undefined,
    ): Promise<{ tableHash: string; accepted: number; read: number; rejects: Reject[] }> => {
      const total = await this.#total(plan)
      const stream = await openPageStream(
        props.source,
        plan,
        plan.target,
        undefined,
        this.#pageSize(plan),
        job.notes,
      )
      try {
        const digest = createHash('sha256')
        let read = 0
        let accepted = 0
        const rejects: Reject[] = []
        for (;;) {
          const encoded = await stream.next()
          if (!encoded) break
          for (const hash of encoded.hashes) if (hash !== undefined) digest.update(hash)
          if (write) await write(encoded.rows)
          read += encoded.length
          accepted += encoded.length - encoded.rejects.length
          rejects.push(...encoded.rejects)
          props.onProgress?.({ table: name, read, ...(total !== undefined ? { total } : {}) })
        }
        return { tableHash: digest.digest('base64'), accepted, read, rejects }
      } finally {
        await stream.close()
      }
    }
    const previousRows = entry?.counts.rows ?? 0
    if (entry || props.dryRun) {
      const scan = await readAll(undefined)
      counts.read = scan.read
      counts.rejected = scan.read - scan.accepted
      if (entry && entry.tableHash === scan.tableHash) {
        counts.unchanged = scan.accepted
        this.#keepRejects(scan.rejects)
        if (!props.dryRun)
          await putRegistry(props.target.db, {
            ...base,
            status: 'ready',
            lastKey: null,
            runId: this.#runId,
            tableHash: scan.tableHash,
            counts: { ...counts, rows: scan.accepted },
          })
        job.committed = { ...counts }
        return this.#tableResult(job, name, 'whole', started, 'Success')
      }
      if (props.dryRun) {
        counts.inserted = scan.accepted
        counts.deleted = previousRows
        this.#keepRejects(scan.rejects)
        return this.#tableResult(job, name, 'whole', started, 'Success')
      }
    }
    const rejects = await writer.transaction(async (tx) => {
      if (entry) {
        counts.deleted = await writer.rowCount(tx)
        await writer.clear(tx)
      } else await writer.create(tx)
      const scan = await readAll((rows) => writer.insert(tx, rows))
      counts.read = scan.read
      counts.inserted = scan.accepted
      counts.rejected = scan.read - scan.accepted
      if (!entry) job.warnings.push(...(await writer.finish(tx)))
      await putRegistry(tx, {
        ...base,
        status: 'ready',
        lastKey: null,
        runId: this.#runId,
        tableHash: scan.tableHash,
        counts: { ...counts, rows: scan.accepted },
      })
      return scan.rejects
    })
    job.committed = { ...counts }
    this.#keepRejects(rejects)
    return this.#tableResult(job, name, 'whole', started, 'Success')
  }

  /** Rows per page: the `pageSize` prop, else about 100,000 values (memory stays flat for wide tables too). */
  #pageSize(plan: TablePlan): number {
    if (this.#props.pageSize !== undefined) return Math.max(1, Math.floor(this.#props.pageSize))
    return Math.min(
      MAX_PAGE_SIZE,
      Math.max(500, Math.floor(VALUES_PER_PAGE / Math.max(1, plan.columns.length))),
    )
  }

  async #total(plan: TablePlan): Promise<number | undefined> {
    if (!this.#props.onProgress) return undefined
    try {
      const { rows } = await sql<{ n: number | bigint | string }>`select count(*) as n from ${sql.raw(
        quoteIdentifier(plan.table.name),
      )}`.execute(this.#props.source.db)
      return Number(rows[0]?.n ?? 0)
    } catch {
      return undefined
    }
  }

  /** Encodes rows that cannot be rejected in practice (probe keys); rejected ones are left out. */
  #encodeRows(
    encoder: PgRowEncoder | SqliteRowEncoder,
    page: ReadonlyArray<ReadonlyArray<unknown>>,
  ): EncodedRows {
    if ('out' in encoder) {
      encoder.out.reset()
      let count = 0
      for (const row of page) if (!isRejected(encoder.encode(row))) count++
      return { engine: 'postgres', format: encoder.format, bytes: encoder.out.view(), count }
    }
    const rows: unknown[][] = []
    for (const row of page) {
      const result = encoder.encode(row)
      if (!isRejected(result)) rows.push(result.values)
    }
    return { engine: 'sqlite', rows }
  }

  #keepRejects(rejects: ReadonlyArray<Reject>): void {
    if (rejects.length === 0) return
    this.#rejectsFile?.write(this.#runId, 'replicate', rejects)
    for (const reject of rejects) {
      if (this.#rejectSample.length >= SAMPLE_REJECTS) break
      this.#rejectSample.push({
        table: reject.location.table ?? '',
        key: reject.location.key ?? '',
        column: reject.field ?? '',
        reason: reject.reason,
      })
    }
  }
}

/** Changed rows collected across pages until they are written. */
class PendingChanges {
  readonly keys: string[] = []
  readonly hashes: string[] = []
  #chunks: Buffer[] = []
  #values: ReadonlyArray<unknown>[] = []
  #format: 'binary' | 'text' = 'binary'

  get count(): number {
    return this.keys.length
  }

  add(page: EncodedPage, index: number, hash: string): void {
    this.keys.push(page.keys[index]!)
    this.hashes.push(hash)
    if (page.rows.engine === 'postgres') {
      this.#format = page.rows.format
      const offsets = page.offsets!
      // A copy: the encoder's buffer is reused by the next page.
      this.#chunks.push(Buffer.from(page.rows.bytes.subarray(offsets[index]!, offsets[index + 1]!)))
    } else this.#values.push(page.rows.rows[page.positions![index]!]!)
  }

  rows(plan: TablePlan): EncodedRows {
    if (plan.target === 'postgres')
      return {
        engine: 'postgres',
        format: this.#format,
        bytes: Buffer.concat(this.#chunks),
        count: this.count,
      }
    return { engine: 'sqlite', rows: this.#values }
  }

  clear(): void {
    this.keys.length = 0
    this.hashes.length = 0
    this.#chunks = []
    this.#values = []
  }
}

/**
 * The run's error when tables failed because the target's disk is full: one message naming the full
 * disk and the tables whose last batch was rolled back (what committed before it is kept).
 */
function fullDiskError(failed: ReadonlyArray<ReplicaTableResult>, targetUrl: string): Error | undefined {
  const full = failed.find((result) =>
    result.error?.startsWith(`The disk of the target ${targetUrl} is full`),
  )
  if (!full) return undefined
  return new Error(`${full.error} Tables that failed: ${failed.map((result) => result.table).join(', ')}.`)
}

function pickCounts(counts: Partial<ReplicaCounts>): ReplicaCounts {
  return {
    read: counts.read ?? 0,
    inserted: counts.inserted ?? 0,
    updated: counts.updated ?? 0,
    deleted: counts.deleted ?? 0,
    unchanged: counts.unchanged ?? 0,
    rejected: counts.rejected ?? 0,
  }
}

function sameDatabase(a: DatabaseConnection, b: DatabaseConnection): boolean {
  if (a.url === b.url) return true
  return a.path !== undefined && b.path !== undefined && resolve(a.path) === resolve(b.path)
}

/** `*` and `?` wildcards; anything else literal. */
function globPattern(pattern: string): RegExp {
  const escaped = pattern.trim().replace(/[.+^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`^${escaped.replace(/\*/g, '.*').replace(/\?/g, '.')}$`)
}

function secondsSince(started: number): number {
  return Math.round((performance.now() - started) / 10) / 100
}

/** The signature of a SQLite source file, or `null` for any other source (or a file it cannot stat). */
function sourceFileSignature(source: DatabaseConnection): string | null {
  if (source.kind !== 'sqlite' || !source.path || source.path === ':memory:') return null
  try {
    return sqliteFileSignature(source.path)
  } catch {
    return null
  }
}
