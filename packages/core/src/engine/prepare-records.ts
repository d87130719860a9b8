import type {
  CanonicalRecord,
  Duplicate,
  EntityRef,
  Reject,
  SourceLocation,
} from '../model/canonical-record.js'
import { COMMON_COLUMNS, ENTITIES, ENTITY_COLUMNS, type EntityName } from '../model/entities.js'
import { canonicalId } from '../model/ids.js'
import { normalizeRecord } from '../model/normalize-record.js'
import { rowHashOfKeys } from '../model/row-hash.js'
import type { TargetRow } from '../plugin/target-plugin.js'
import { checkPluginRecord } from './check-plugin-record.js'

/** The source that owns the `users` row `--user-id` creates. */
export const CLI_SOURCE = 'cli'

/** Options of {@link prepareRecords}. */
export interface PrepareRecordsOptions {
  /** The `source` of every row (the source plugin's name). */
  readonly source: string
  /** The run writing them. */
  readonly runId: string
  /** IANA zone for naive source times. */
  readonly timeZone: string
  /** `--user-id`: rows with a `user_id` column and none of their own link to this user. */
  readonly userId?: string
  /** The stream, for rejects. */
  readonly stream: string
}

/** Records turned into target rows, per table, plus what could not be. */
export interface PreparedRecords {
  /** Rows per table, in {@link ENTITIES} order. */
  readonly rows: Map<EntityName, TargetRow[]>
  /** Records that failed validation. */
  readonly rejects: Reject[]
  /** Records that repeat one earlier in the same batch (same table and source key): skipped. */
  readonly duplicates: number
  /** Those records, each with its location and the kept one's. */
  readonly duplicateRecords: Duplicate[]
  /** Naive source times read in the source's time zone. */
  readonly naiveTimes: number
}

const USER_COLUMN = new Set(
  ENTITIES.filter((entity) => ENTITY_COLUMNS[entity].some((c) => c.name === 'user_id')),
)

const CONTENT_COLUMNS = Object.fromEntries(
  ENTITIES.map((e) => [e, ENTITY_COLUMNS[e].map((c) => c.name)]),
) as Record<EntityName, string[]>
/** Reference ids a {@link RecordPreparer} keeps (it forgets them all when full). */
const REFERENCE_IDS_KEPT = 4_096

/**
 * A row of each table with every column, to copy: a copy keeps the template's fast in-object
 * properties, where a row filled column by column falls into dictionary mode past about 16 columns,
 * five times the size (and each prepared batch stays in memory while the one before it is written).
 * Parsed from JSON, so the template itself has in-object properties.
 */
const ROW_TEMPLATES = Object.fromEntries(
  ENTITIES.map((e) => {
    const columns = [...COMMON_COLUMNS, ...ENTITY_COLUMNS[e]].map((c) => [c.name, null])
    return [e, JSON.parse(JSON.stringify(Object.fromEntries(columns)))]
  }),
) as Record<EntityName, Readonly<Record<string, null>>>
/** What `row_hash` covers: the table's own columns and `extra`, sorted once. */
const HASHED_COLUMNS = Object.fromEntries(
  ENTITIES.map((e) => [e, [...CONTENT_COLUMNS[e], 'extra'].sort()]),
) as Record<EntityName, string[]>

/**
 * Validates and normalises source records, resolves references to ids, and computes each row's id
 * (UUIDv5 of table, source and source key) and `row_hash` (of its content, not of run bookkeeping).
 */
export function prepareRecords(
  records: ReadonlyArray<CanonicalRecord>,
  options: PrepareRecordsOptions,
): PreparedRecords {
  const preparer = new RecordPreparer(options)
  preparer.add(records, 0, records.length)
  return preparer.result()
}

/**
 * {@link prepareRecords} a slice at a time, so a caller can yield to the event loop between slices
 * (and the previous batch's queries progress while this one is prepared). Duplicates are found
 * across every slice added.
 */
export class RecordPreparer {
  readonly #options: PrepareRecordsOptions
  readonly #rows = new Map<EntityName, TargetRow[]>()
  /** Row ids prepared, with where each record came from (for a duplicate's `kept`). */
  readonly #seen = new Map<string, SourceLocation | undefined>()
  readonly #duplicateRecords: Duplicate[] = []
  readonly #referenceIds = new Map<string, string>()
  readonly #rejects: Reject[] = []
  #duplicates = 0
  #naiveTimes = 0

  constructor(options: PrepareRecordsOptions) {
    this.#options = options
  }

  /** Prepares `records[start, end)`. */
  add(records: ReadonlyArray<CanonicalRecord>, start: number, end: number): void {
    const options = this.#options
    const rows = this.#rows
    const seen = this.#seen
    const rejects = this.#rejects
    for (let index = start; index < end; index++) {
      const record = records[index]!
      checkPluginRecord(record, options.source)
      const withUser =
        options.userId !== undefined && USER_COLUMN.has(record.entity) && record.values.user_id == null
          ? {
              ...record,
              values: {
                ...record.values,
                user_id: { ref: 'users', sourceKey: options.userId, source: CLI_SOURCE } as EntityRef,
              },
            }
          : record
      const { record: normalized, issues } = normalizeRecord(withUser, { timeZone: options.timeZone })
      if (!normalized) {
        for (const issue of issues) {
          rejects.push({
            stream: options.stream,
            entity: record.entity,
            location: record.location ?? { key: record.sourceKey },
            field: issue.field,
            reason: issue.reason,
          })
        }
        continue
      }
      // Kept among the reference ids: a record's own id is often referenced by the next (a fill's order).
      const id = this.#referenceId(record.entity, options.source, record.sourceKey)
      if (seen.has(id)) {
        this.#duplicates++
        const kept = seen.get(id)
        const location = record.location ?? { key: record.sourceKey }
        this.#duplicateRecords.push({
          entity: record.entity,
          location,
          ...(kept ? { kept } : {}),
          reason: `same ${record.entity} source key ${record.sourceKey} as a record earlier in the batch${kept ? ` (${describeLocation(kept)})` : ''}, which was kept`,
        })
        continue
      }
      seen.set(id, record.location)
      this.#naiveTimes += normalized.naiveTimes
      // A copy of the table's template, so every row of a table shares one compact object shape.
      const row: Record<string, string | number | boolean | null> = { ...ROW_TEMPLATES[record.entity] }
      row.id = id
      row.source = options.source
      row.source_key = record.sourceKey
      row.first_run_id = options.runId
      row.last_run_id = options.runId
      row.extra = normalized.extra
      row.source_stream = options.stream
      const values = normalized.values
      for (const column of CONTENT_COLUMNS[record.entity]) {
        const value = values[column]
        row[column] =
          value !== null && typeof value === 'object'
            ? this.#referenceId(value.ref, value.source ?? options.source, value.sourceKey)
            : (value ?? null)
      }
      row.row_hash = rowHashOfKeys(row, HASHED_COLUMNS[record.entity])
      const list = rows.get(record.entity)
      if (list) list.push(row)
      else rows.set(record.entity, [row])
    }
  }

  /**
   * The id a reference points to. Rows of a batch point to few rows (their bot, user, round trip,
   * order), so recent ids are kept rather than hashed again.
   */
  #referenceId(entity: EntityName, source: string, sourceKey: string): string {
    const name = `${entity}\u0000${source}\u0000${sourceKey}`
    let id = this.#referenceIds.get(name)
    if (id === undefined) {
      if (this.#referenceIds.size >= REFERENCE_IDS_KEPT) this.#referenceIds.clear()
      id = canonicalId(entity, source, sourceKey)
      this.#referenceIds.set(name, id)
    }
    return id
  }

  /** Everything prepared so far. */
  result(): PreparedRecords {
    const ordered = new Map<EntityName, TargetRow[]>()
    for (const entity of ENTITIES) {
      const list = this.#rows.get(entity)
      if (list) ordered.set(entity, list)
    }
    return {
      rows: ordered,
      rejects: this.#rejects,
      duplicates: this.#duplicates,
      duplicateRecords: this.#duplicateRecords,
      naiveTimes: this.#naiveTimes,
    }
  }
}

function describeLocation(location: SourceLocation): string {
  return [location.file, location.path, location.table, location.key].filter(Boolean).join(' ')
}
