import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { redactSecrets } from '../db/connection-url.js'
import { tableExists } from '../engines/index.js'
import { canonicalId } from '../model/ids.js'
import { rowHash } from '../model/row-hash.js'
import type { ReadOptions, Source, SourceBatch, StreamDescriptor } from '../plugin/source-plugin.js'
import type { Target, TargetTransaction } from '../plugin/target-plugin.js'
import { CLI_SOURCE, RecordPreparer } from './prepare-records.js'
import { RejectsFile } from './rejects-file.js'
import { RunLedger, type RunRecord } from './run-ledger.js'
import { acquireRunLock, type RunLock } from './run-lock.js'
import { mappingSalt, SourceDigestStore } from './source-digests.js'
import { describeTargetFault } from './target-fault.js'

/** Default records per batch. */
export const DEFAULT_BATCH_SIZE = 5_000

/** Batches with nothing to write whose checkpoints may wait for a later transaction. */
const MAX_UNCOMMITTED_BATCHES = 20

/** Records prepared between two yields to the event loop. */
const PREPARE_SLICE = 50

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Constructor input of {@link DataMigrator}. */
export interface DataMigratorProps {
  /** The open source. The migrator closes neither source nor target. */
  readonly source: Source
  /** The source plugin's name: the `source` column of every row. */
  readonly sourceName: string
  /**
   * What distinguishes this source's configuration (e.g. a data folder, a bot), so checkpoints of
   * two different configurations of one plugin never mix. Default is `default`.
   */
  readonly scope?: string
  /** The open, prepared target. */
  readonly target: Target
  /** Options to record in `ledgerport_runs`, secrets already redacted. */
  readonly options?: Readonly<Record<string, unknown>>
  /** IANA zone for naive source times. Default is `UTC`. */
  readonly timeZone?: string
  /** `--user-id`: one `users` row (source `cli`) that every row of the run links to. */
  readonly userId?: string
  /** Do everything in one transaction and roll it back; report what would happen. Default is `false`. */
  readonly dryRun?: boolean
  /** Resume this run (default: the newest unfinished run of the same source and scope, if any). */
  readonly resumeRunId?: string
  /** Start a new run even if an unfinished one exists. Default is `false`. */
  readonly fresh?: boolean
  /**
   * `sync`: a new run in which every stream continues from its stored checkpoint, whichever run
   * stored it (complete or not), so a source reads only what is new or changed since (freqtrade-sqlite
   * skips a bot whose files are unchanged; an append-only file continues after its last record).
   * Implies `fresh`. Default is `false`.
   */
  readonly incremental?: boolean
  /**
   * Compare every source row with the target, even rows whose stored digest says they are unchanged
   * (`--full`). Default is `false`: a source that digests its rows skips the unchanged ones.
   */
  readonly full?: boolean
  /** JSONL file for rejects, or `false` for none. Default is `./ledgerport-rejects/RUN_ID.jsonl`. */
  readonly rejectsFile?: string | false
  /** Only these streams. Default is every stream the source discovers. */
  readonly streams?: ReadonlyArray<string>
  /** Strings never to show in errors (passwords, tokens). */
  readonly secrets?: ReadonlyArray<string>
  /** Called after each committed batch. */
  readonly onProgress?: (progress: StreamProgress) => void
  /** Stops the run cleanly after the current batch. */
  readonly signal?: AbortSignal
  /**
   * How long to wait for another process running the same source and scope into this target, in ms
   * (`--lock-timeout`). Default is `0`: stop at once with `… locked by pid P on host H since T`.
   */
  readonly lockTimeoutMs?: number
}

/** Where a stream is, for progress bars. */
export interface StreamProgress {
  readonly stream: string
  readonly read: number
  readonly total?: number
}

/** Counts of one stream, or of a whole run. */
export interface StreamCounts {
  /** Source records read (rows + rejects + duplicates). */
  readonly read: number
  readonly inserted: number
  readonly updated: number
  readonly unchanged: number
  /** Records skipped as duplicates (by the source, or the same row twice in one run). */
  readonly duplicates: number
  readonly rejected: number
  /** Naive source times read in the source's zone. */
  readonly naiveTimes: number
}

/** The outcome of one stream. */
export interface StreamResult extends StreamCounts {
  readonly stream: string
  /** `Success`, `Error` (the stream stopped; other streams still ran), `NotExecuted` (stopped early). */
  readonly status: 'Success' | 'Error' | 'NotExecuted'
  readonly seconds: number
  readonly error?: string
}

/** What {@link DataMigrator.run} returns; it never throws. */
export interface DataMigrationResultSet {
  /** The run's id (for `rollback`, `--resume`). */
  readonly runId: string
  /** Set when the run failed as a whole or any stream failed. */
  readonly error?: Error
  /** Per stream. */
  readonly results: ReadonlyArray<StreamResult>
  /** Sums over the streams. */
  readonly totals: StreamCounts
  /** Things worth reading (resumed run, naive times, warnings from the source). */
  readonly warnings: ReadonlyArray<string>
  /** The rejects file, when anything was rejected. */
  readonly rejectsFile?: string
  /** True when nothing was kept. */
  readonly dryRun: boolean
  /** True when this run continued an interrupted one. */
  readonly resumed: boolean
}

const ZERO: StreamCounts = {
  read: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  duplicates: 0,
  rejected: 0,
  naiveTimes: 0,
}

class DryRunRollback extends Error {}

/**
 * Streams a source into a target in batches. Each batch's rows, rejects and stream checkpoint
 * commit in one transaction, so a killed run resumes where it stopped with nothing lost or doubled.
 * Shaped like Kysely's `Migrator`: {@link run} returns a result set and never throws.
 *
 * ```ts
 * const result = await new DataMigrator({ source, sourceName: 'json-files', target }).run()
 * if (result.error) console.error(result.error.message)
 * ```
 */
export class DataMigrator {
  readonly #props: DataMigratorProps
  readonly #ledger: RunLedger
  readonly #digests: SourceDigestStore
  /** The lock of this run's source scope on the target, held while {@link run} runs. */
  #lock: RunLock | undefined

  constructor(props: DataMigratorProps) {
    this.#props = Object.freeze({ ...props })
    this.#ledger = new RunLedger(props.target.connection.kind)
    this.#digests = new SourceDigestStore(
      props.target.connection.kind,
      mappingSalt({ timeZone: props.timeZone ?? 'UTC', userId: props.userId }),
    )
  }

  /** Runs every stream; see {@link DataMigrationResultSet}. */
  async run(): Promise<DataMigrationResultSet> {
    const props = this.#props
    const warnings: string[] = []
    const results: StreamResult[] = []
    let runId = props.resumeRunId ?? newRunId()
    let resumed = false
    let rejects: RejectsFile | undefined
    // Set between the target's beginLoad and endLoad: a failed run still builds its indexes.
    let loading = false
    const db = props.target.connection.db
    const scope = props.scope ?? 'default'
    try {
      // A target used from code must be prepared first; say so instead of a raw "relation … does not exist".
      if (!(await tableExists(db, props.target.connection.kind, 'ledgerport_runs')))
        throw new Error(
          `The target ${props.target.connection.displayUrl} holds no canonical model yet: call \`await target.prepare()\` before \`new DataMigrator({ target, … }).run()\` (the CLI does this for you).`,
        )
      // Before anything is looked up: a run another process holds is never resumed nor doubled.
      this.#lock = await acquireRunLock(props.target.connection, {
        kind: 'run',
        source: props.sourceName,
        scope,
        timeoutMs: props.lockTimeoutMs ?? 0,
        onWarning: (message) => warnings.push(message),
      })
      // This scope's lock is held here, so a run of it still `running` has no live process: say so.
      if (!props.dryRun)
        for (const id of await this.#ledger.failAbandoned(db, props.sourceName, scope, ABANDONED))
          warnings.push(`Run ${id} was still marked running; recorded as failed: ${ABANDONED}.`)
      if (props.resumeRunId) {
        const run = await this.#ledger.getRun(db, props.resumeRunId)
        if (!run)
          throw new Error(
            `There is no run ${props.resumeRunId} in ${props.target.connection.displayUrl}. \`ledgerport runs\` lists them.`,
          )
        if (run.source !== props.sourceName)
          throw new Error(`Run ${run.id} read from ${run.source}, not ${props.sourceName}.`)
        resumed = true
      } else if (!props.fresh && !props.incremental && !props.dryRun) {
        const unfinished = await this.#ledger.findResumable(db, props.sourceName, scope)
        if (unfinished) {
          runId = unfinished
          resumed = true
        }
      }
      if (resumed) warnings.push(`Resuming run ${runId} from its checkpoints.`)
      // A resumed run's ledger counts go on from what its earlier parts committed, so they cover the
      // whole run; the result (the summary) counts what this part did.
      const prior = resumed
        ? priorCounts(await this.#ledger.getRun(db, runId))
        : new Map<string, StreamCounts>()
      // A dry run writes it too: its rejects are rolled back with everything else in the target, and
      // reviewing them is what a dry run is for.
      if (props.rejectsFile !== false) {
        rejects = new RejectsFile(
          props.rejectsFile ?? join(process.cwd(), 'ledgerport-rejects', `${runId}.jsonl`),
        )
      }
      const streams = (await props.source.discover()).filter(
        (s) => !props.streams || props.streams.includes(s.name),
      )
      if (props.streams) {
        const missing = props.streams.filter((name) => !streams.some((s) => s.name === name))
        if (missing.length) throw new Error(`The source has no stream ${missing.join(', ')}.`)
      }
      const work = async (outer?: TargetTransaction): Promise<void> => {
        const begin = async (tx: TargetTransaction): Promise<void> => {
          if (resumed) await this.#ledger.resumeRun(tx.db, runId)
          else {
            await this.#ledger.startRun(tx.db, {
              id: runId,
              source: props.sourceName,
              target: props.target.connection.displayUrl,
              options: { ...props.options, scope },
            })
          }
          if (props.userId !== undefined) await this.#ensureUser(tx, runId)
        }
        if (outer) await begin(outer)
        else await props.target.transaction(begin)
        if (!outer && props.target.beginLoad) {
          loading = true
          await props.target.beginLoad([...new Set(streams.flatMap((s) => s.entities))])
        }
        for (const stream of streams) {
          if (props.signal?.aborted) {
            results.push({ stream: stream.name, status: 'NotExecuted', seconds: 0, ...ZERO })
            continue
          }
          const done = results.length
          const snapshot = (current: StreamResult) => wholeRun([...results.slice(0, done), current], prior)
          results.push(await this.#runStream(stream, runId, scope, rejects, outer, snapshot))
        }
        const failed = results.filter((r) => r.status === 'Error')
        const finish = (tx: TargetTransaction) =>
          this.#ledger.finishRun(
            tx.db,
            runId,
            failed.length || props.signal?.aborted ? 'failed' : 'succeeded',
            wholeRun(results, prior),
            failed.length
              ? failed.map((r) => `${r.stream}: ${r.error}`).join('; ')
              : props.signal?.aborted
                ? 'stopped before the end'
                : undefined,
          )
        if (outer) await finish(outer)
        else await props.target.transaction(finish)
        if (loading) {
          loading = false
          await props.target.endLoad?.()
        }
        await this.#digests.analyze(outer?.db ?? db)
      }
      if (props.dryRun) {
        await props.target
          .transaction(async (tx) => {
            await work(tx)
            throw new DryRunRollback()
          })
          .catch((error) => {
            if (!(error instanceof DryRunRollback)) throw error
          })
      } else await work()
      const totals = sumCounts(results)
      if (totals.naiveTimes)
        warnings.push(
          `${totals.naiveTimes} naive source times were read as ${props.timeZone ?? 'UTC'} (--timezone).`,
        )
      const failed = results.filter((r) => r.status === 'Error')
      return {
        runId,
        results,
        totals,
        warnings,
        dryRun: Boolean(props.dryRun),
        resumed,
        ...(rejects?.count || rejects?.duplicates ? { rejectsFile: rejects.path } : {}),
        ...(failed.length
          ? {
              error: new Error(
                `${failed.length} stream(s) failed: ${failed.map((r) => `${r.stream}: ${r.error}`).join('; ')}`,
              ),
            }
          : props.signal?.aborted
            ? { error: new Error('Stopped before the end; run the same command again to resume.') }
            : {}),
      }
    } catch (error) {
      const message = redactSecrets(faultMessage(error, props.target.connection.displayUrl), props.secrets)
      // The run's end could not be recorded (e.g. the disk was full until the rollback freed it):
      // try again, so the ledger does not say `running` for a run that stopped.
      if (this.#lock && !props.dryRun)
        await this.#ledger
          .getRun(db, runId)
          .then((run) =>
            run?.status === 'running'
              ? this.#ledger.finishRun(db, runId, 'failed', run.counts ?? {}, message)
              : undefined,
          )
          .catch(() => {})
      return {
        runId,
        results,
        totals: sumCounts(results),
        warnings,
        dryRun: Boolean(props.dryRun),
        resumed,
        error: new Error(message, { cause: error }),
        ...(rejects?.count || rejects?.duplicates ? { rejectsFile: rejects.path } : {}),
      }
    } finally {
      await rejects?.close()
      if (loading) await props.target.endLoad?.().catch(() => {})
      await this.#lock?.release()
      this.#lock = undefined
    }
  }

  async #ensureUser(tx: TargetTransaction, runId: string): Promise<void> {
    const userId = this.#props.userId!
    const content = {
      external_id: userId,
      email: null,
      name: null,
      role: null,
      paper_balance: null,
      extra: null,
    }
    await tx.upsert(
      'users',
      [
        {
          id: canonicalId('users', CLI_SOURCE, userId),
          source: CLI_SOURCE,
          source_key: userId,
          first_run_id: runId,
          last_run_id: runId,
          row_hash: rowHash(content),
          source_stream: null,
          ...content,
        },
      ],
      runId,
    )
  }

  async #runStream(
    stream: StreamDescriptor,
    runId: string,
    scope: string,
    rejects: RejectsFile | undefined,
    outer: TargetTransaction | undefined,
    snapshot: (current: StreamResult) => unknown,
  ): Promise<StreamResult> {
    const props = this.#props
    const started = performance.now()
    const counts = { ...ZERO }
    // The read-ahead batch: a stream that fails must not leave it reading from a closed target.
    let pending: Promise<unknown> | undefined
    let iterator: AsyncIterator<SourceBatch> | undefined
    const key = { source: props.sourceName, scope, stream: stream.name }
    const db = outer?.db ?? props.target.connection.db
    try {
      const stored = await this.#ledger.getCheckpoint(db, props.sourceName, scope, stream.name)
      const sameRun = stored?.runId === runId
      if (sameRun && stored.complete) {
        return { stream: stream.name, status: 'Success', seconds: 0, ...counts }
      }
      const continues =
        stored !== undefined && stored.checkpoint !== null && (sameRun || Boolean(props.incremental))
      const from = continues ? stored.checkpoint! : undefined
      // Counting can mean reading a whole file; it runs beside the read, and progress shows a total once known.
      let total: number | undefined
      // A continued stream may not be read at all (nothing changed): counting it would read it.
      if (props.onProgress && props.source.count && from === undefined) {
        props.source.count(stream).then(
          (n) => {
            total = n
          },
          () => {},
        )
      }
      const readOptions: ReadOptions = props.full
        ? {}
        : { storedDigests: (keys) => this.#digests.lookup(db, key, keys) }
      iterator = props.source.read(stream, from, readOptions)[Symbol.asyncIterator]()
      const source = iterator
      // Only the prepared rows are written: the batch is kept without its records (a batch of wide
      // records is as large as its rows), so they can go while the rows are written.
      const prepare = async (batch: SourceBatch) => {
        const preparer = new RecordPreparer({
          source: props.sourceName,
          runId,
          timeZone: props.timeZone ?? 'UTC',
          stream: stream.name,
          ...(props.userId !== undefined ? { userId: props.userId } : {}),
        })
        // In slices, yielding between them: the batch being written gets its query replies handled
        // (and sends its next query) while this one is prepared, instead of after all of it.
        const { records } = batch
        for (let start = 0; start < records.length; start += PREPARE_SLICE) {
          if (start) await yieldToEventLoop()
          preparer.add(records, start, Math.min(records.length, start + PREPARE_SLICE))
        }
        return { batch: { ...batch, records: [] }, records: records.length, prepared: preparer.result() }
      }
      // Read ahead: the next batch is read and prepared while this one is written.
      const readNext = () => {
        pending = source.next().then((item) => (item.done ? undefined : prepare(item.value)))
        return pending as Promise<Awaited<ReturnType<typeof prepare>> | undefined>
      }
      let next = readNext()
      let lastCheckpoint: SourceBatch['checkpoint'] | null = from ?? null
      let uncommitted = 0
      for (;;) {
        const item = await next
        if (!item) break
        next = readNext()
        const { batch, records, prepared } = item
        const batchRejects = [
          ...(batch.rejects ?? []).map((r) => ({ ...r, stream: r.stream ?? stream.name })),
          ...prepared.rejects,
        ]
        // Counted once the batch commits: a batch rolled back (a full disk) counts for nothing.
        const batchCounts: StreamCounts = {
          read:
            records + (batch.rejects?.length ?? 0) + (batch.duplicates?.length ?? 0) + (batch.skipped ?? 0),
          inserted: 0,
          updated: 0,
          unchanged: batch.skipped ?? 0,
          duplicates: prepared.duplicates + (batch.duplicates?.length ?? 0),
          rejected: batchRejects.length,
          naiveTimes: prepared.naiveTimes,
        }
        let written = { inserted: 0, updated: 0, unchanged: 0, duplicates: 0 }
        const write = async (tx: TargetTransaction): Promise<void> => {
          written = { inserted: 0, updated: 0, unchanged: 0, duplicates: 0 }
          for (const [entity, rows] of prepared.rows) {
            const result = await tx.upsert(entity, rows, runId)
            written.inserted += result.inserted
            written.updated += result.updated
            written.unchanged += result.unchanged
            written.duplicates += result.duplicates
          }
          await this.#ledger.putRejects(tx.db, runId, props.sourceName, batchRejects)
          // A row whose records were rejected or repeated is compared in full next time, like before.
          if (batch.digests && !prepared.rejects.length && !prepared.duplicates)
            await this.#digests.put(tx.db, key, runId, batch.digests)
          await this.#ledger.putCheckpoint(tx.db, key, {
            checkpoint: batch.checkpoint,
            complete: false,
            runId,
          })
          const after = sumCounts([counts, batchCounts, { ...ZERO, ...written }])
          await this.#ledger.putCounts(
            tx.db,
            runId,
            snapshot({
              stream: stream.name,
              status: 'NotExecuted',
              seconds: secondsSince(started),
              ...after,
            }),
          )
          // Renews the lease in the batch's transaction; fails it if another process took the lease over.
          await this.#lock?.heartbeat(tx.db)
        }
        // A batch with nothing to write (every row skipped by digest) does not commit a transaction
        // just for its checkpoint: the next batch that writes, or the stream's end, carries it. A
        // killed run then reads those few batches again, and skips them again.
        const nothingToWrite = prepared.rows.size === 0 && batchRejects.length === 0 && !batch.digests?.length
        if (outer) await write(outer)
        else if (!nothingToWrite || ++uncommitted > MAX_UNCOMMITTED_BATCHES) {
          await props.target.transaction(write)
          uncommitted = 0
        }
        rejects?.write(runId, props.sourceName, batchRejects)
        rejects?.writeDuplicates(runId, props.sourceName, stream.name, [
          ...(batch.duplicates ?? []),
          ...prepared.duplicateRecords,
        ])
        lastCheckpoint = batch.checkpoint
        for (const part of [batchCounts, written] as Array<Partial<StreamCounts>>)
          for (const name of Object.keys(part) as Array<keyof StreamCounts>) counts[name] += part[name] ?? 0
        props.onProgress?.({
          stream: stream.name,
          read: counts.read,
          ...(total !== undefined ? { total } : {}),
        })
        if (props.signal?.aborted) {
          await source.return?.()
          return { stream: stream.name, status: 'NotExecuted', seconds: secondsSince(started), ...counts }
        }
      }
      const complete = (tx: TargetTransaction) =>
        this.#ledger.putCheckpoint(tx.db, key, { checkpoint: lastCheckpoint, complete: true, runId })
      if (outer) await complete(outer)
      else await props.target.transaction(complete)
      return { stream: stream.name, status: 'Success', seconds: secondsSince(started), ...counts }
    } catch (error) {
      await pending?.catch(() => {})
      await Promise.resolve(iterator?.return?.()).catch(() => {})
      if (outer) throw error
      const message = redactSecrets(faultMessage(error, props.target.connection.displayUrl), props.secrets)
      return {
        stream: stream.name,
        status: 'Error',
        seconds: secondsSince(started),
        error: message,
        ...counts,
      }
    }
  }
}

/** A sortable, readable run id: `run_20261122T013500Z_a1b2c3`. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return `run_${stamp}_${randomBytes(3).toString('hex')}`
}

/** Each stream's counts stored in a run's `counts` (what its earlier parts committed). */
function priorCounts(run: RunRecord | undefined): Map<string, StreamCounts> {
  const prior = new Map<string, StreamCounts>()
  const streams = (run?.counts as { streams?: unknown } | null | undefined)?.streams
  if (!Array.isArray(streams)) return prior
  for (const entry of streams as Array<Record<string, unknown>>) {
    if (typeof entry?.stream !== 'string') continue
    const counts = { ...ZERO }
    for (const name of Object.keys(ZERO) as Array<keyof StreamCounts>) {
      const value = Number(entry[name] ?? 0)
      counts[name] = Number.isFinite(value) ? value : 0
    }
    prior.set(entry.stream, counts)
  }
  return prior
}

/**
 * A run's `ledgerport_runs.counts`: this part's streams plus what earlier parts (before a kill or a
 * stop) committed, stream by stream, so a resumed run's counts cover the whole run.
 */
function wholeRun(results: ReadonlyArray<StreamResult>, prior: ReadonlyMap<string, StreamCounts>) {
  const streams = results.map((result) => {
    const before = prior.get(result.stream)
    return before ? { ...result, ...sumCounts([result, before]) } : result
  })
  for (const [stream, before] of prior)
    if (!results.some((r) => r.stream === stream))
      streams.push({ stream, status: 'NotExecuted', seconds: 0, ...before })
  return { totals: sumCounts(streams), streams }
}

/** An error's message, a full disk named as such. */
/** Why a run left `running` by a process that is gone is recorded as failed. */
const ABANDONED = 'the process stopped without finishing (no lock held)'

function faultMessage(error: unknown, targetUrl: string): string {
  const described = describeTargetFault(error, targetUrl) as Error
  return described?.message ?? String(error)
}

function sumCounts(results: ReadonlyArray<StreamCounts>): StreamCounts {
  const total = { ...ZERO }
  for (const result of results) {
    for (const key of Object.keys(ZERO) as Array<keyof StreamCounts>) total[key] += result[key]
  }
  return total
}

function secondsSince(started: number): number {
  return Math.round((performance.now() - started) / 10) / 100
}
