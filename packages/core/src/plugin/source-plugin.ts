import type { CanonicalRecord, Duplicate, JsonValue, Reject } from '../model/canonical-record.js'
import type { EntityName } from '../model/entities.js'
import type { OptionSpecs } from './option-spec.js'
import type { PluginContext } from './plugin-context.js'
import type { Target } from './target-plugin.js'

/** One stream a source can read: a file, a table, a collection (`trades_history`, `pending_orders`). */
export interface StreamDescriptor {
  /** Unique within the source; also the checkpoint key. */
  readonly name: string
  /** The canonical tables its records go to. */
  readonly entities: ReadonlyArray<EntityName>
  /** What it reads, for humans: a file path, a table name. Never a secret. */
  readonly location?: string
}

/** Where a stream stopped; opaque to the engine, meaningful to the source that made it. */
export type Checkpoint = JsonValue

/** What a source yields: records, rejects and duplicates up to a checkpoint. */
export interface SourceBatch {
  /** Canonical records. */
  readonly records: ReadonlyArray<CanonicalRecord>
  /** Records that could not be mapped. */
  readonly rejects?: ReadonlyArray<Reject>
  /** Records skipped as duplicates of one already read. */
  readonly duplicates?: ReadonlyArray<Duplicate>
  /** Reading again from here yields what follows this batch, and nothing of it. */
  readonly checkpoint: Checkpoint
  /**
   * Digests of the source rows this batch's records were mapped from. The engine stores them with
   * the rows, so a later run can skip those rows unmapped (see {@link ReadOptions.storedDigests}).
   */
  readonly digests?: ReadonlyArray<SourceRowDigest>
  /**
   * Records of rows the source skipped unmapped because their digests were unchanged (the sum of
   * their stored `records`): the engine counts them as read and unchanged.
   */
  readonly skipped?: number
}

/** The digest of one source row as it was mapped. */
export interface SourceRowDigest {
  /** The row's key, unique within its stream (a primary key, a record's index). */
  readonly key: string
  /**
   * Text that changes whenever anything the row's records are made of changes: the raw row, rows
   * of other tables merged into it, and the version of the mapping. A one-shot SHA-1 of the raw
   * values is typical.
   */
  readonly digest: string
  /** How many records the row made. */
  readonly records: number
}

/** A digest an earlier run stored for a source row. */
export interface StoredDigest {
  readonly digest: string
  readonly records: number
}

/** What the engine offers a source while it reads a stream. */
export interface ReadOptions {
  /**
   * The digests earlier runs of this source and scope stored for these row keys, with the same
   * mapping settings (`--timezone`, `--user-id`). A source that digests its raw rows skips the rows
   * whose digest is unchanged, reports their records as {@link SourceBatch.skipped}, and maps the
   * rest. Absent when every row must be compared (`--full`).
   */
  readonly storedDigests?: (keys: ReadonlyArray<string>) => Promise<ReadonlyMap<string, StoredDigest>>
}

/** An open source. Holds connections only: the engine keeps all run state. */
export interface Source {
  /** The streams this source has (missing optional files or tables are left out, with a warning). */
  discover(): Promise<ReadonlyArray<StreamDescriptor>>
  /** Reads a stream in batches, after `from` when given. */
  read(stream: StreamDescriptor, from?: Checkpoint, options?: ReadOptions): AsyncIterable<SourceBatch>
  /** How many source records a stream has, for progress. Optional. */
  count?(stream: StreamDescriptor): Promise<number>
  /** Closes files and connections. */
  close(): Promise<void>
}

/**
 * A source plugin: what `--from NAME` loads. A package exports it as `source`.
 *
 * ```ts
 * export const source: SourcePlugin<JsonFilesOptions> = {
 *   name: 'json-files',
 *   summary: "A broker bot's trades_history.json and pending_orders.json",
 *   options: { dataDir: { type: 'string', description: 'folder with the JSON files', default: 'data' } },
 *   create: (options, context) => new JsonFilesSource(options, context),
 * }
 * ```
 */
export interface SourcePlugin<O = Record<string, unknown>> {
  /** The value of `--from`, and the `source` column of every row it writes. */
  readonly name: string
  /** One line for `ledgerport plugins`. */
  readonly summary: string
  /** Its options. */
  readonly options: OptionSpecs<O>
  /** Opens the source. */
  create(options: O, context: PluginContext): Source | Promise<Source>
  /**
   * Checks of its own that `ledgerport verify` runs after the engine's (seed 000's step-5 checks for
   * bybit-v2). Optional; must not throw.
   */
  verify?(options: O, target: Target, context: PluginContext): Promise<SourceVerification>
}

/** One source-specific check: source and target counts, or a count of rows that fail a rule. */
export interface SourceCheck {
  /** What was checked. */
  readonly check: string
  /** The count on the source side, for comparisons. */
  readonly source?: number
  /** The count in the target. */
  readonly target: number
  readonly ok: boolean
  /** Something worth knowing. */
  readonly note?: string
}

/** The result of {@link SourcePlugin.verify}. */
export interface SourceVerification {
  readonly ok: boolean
  readonly checks: ReadonlyArray<SourceCheck>
  readonly error?: Error
}
