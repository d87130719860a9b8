import type {
  CanonicalRecord,
  Duplicate,
  EntityRef,
  JsonValue,
  Reject,
  SourceLocation,
} from '@ledgerport/core'
import { formatIssues } from '@ledgerport/source-kit'
import type { ReadNotes } from './read-notes.js'
import { plainRow, plainValue, type ReadJson, type RowReader } from './row-reader.js'
import { keys } from './source-keys.js'
import type { V2Row, V2Table } from './v2-database.js'

/** What every mapping function gets besides its row. */
export interface MapContext {
  /** The v2 table being read. */
  readonly table: V2Table
  /** IANA zone for naive times. */
  readonly timeZone: string
  /** The SQLite file, for locations. */
  readonly file?: string
  /** Warnings collected while reading the stream. */
  readonly notes: ReadNotes
}

/** What one v2 row becomes. */
export interface MapResult {
  readonly records: CanonicalRecord[]
  readonly rejects: Reject[]
  readonly duplicates?: Duplicate[]
}

/** What the `orders` and `sltp_orders` streams look up in the v2 database for a page of rows. */
export interface OrderLinks {
  /** v2 trade ids that exist. */
  readonly trades: ReadonlySet<string>
  /** Bybit order id → source key of its canonical order (see `resolveOrderKeys`). */
  readonly orders: ReadonlyMap<string, string>
}

/** Where a v2 row is: its table and `id` (and the SQLite file). */
export function rowLocation(context: MapContext, id: string): SourceLocation {
  return { ...(context.file ? { file: context.file } : {}), table: context.table, key: `id=${id}` }
}

/**
 * A reject for a whole v2 row whose values cannot be read: names the first bad column, lists them
 * all, and says what to do.
 */
export function rejectRow(context: MapContext, id: string, reader: RowReader, row: V2Row): Reject {
  const [first] = reader.issues
  const all = formatIssues(reader.issues)
  return {
    location: rowLocation(context, id),
    ...(first ? { field: first.field } : {}),
    reason: `${context.table} id=${id}: ${all}. Nothing of this row was migrated; correct the value in the v2 database and run again.`,
    raw: plainRow(row),
  }
}

/** A reject for one record made from a v2 row (the row's other records are kept). */
export function rejectPart(context: MapContext, id: string, field: string, reason: string): Reject {
  return { location: rowLocation(context, id), field, reason: `${context.table} id=${id}: ${reason}` }
}

/** Counts a row's JSON columns that are not JSON or not exact, for the stream's warnings. */
export function noteJson(context: MapContext, id: string, reader: RowReader): void {
  for (const column of reader.invalidJson) {
    context.notes.add(
      `invalid-json:${column}`,
      id,
      (what) => `${context.table}.${column}: ${what} hold text that is not JSON; it was kept as text.`,
    )
  }
  for (const column of reader.lossyJson) {
    context.notes.add(
      `lossy-json:${column}`,
      id,
      (what) =>
        `${context.table}.${column}: ${what} hold numbers with more digits than JSON readers keep; the exact text is in extra.${column}_text.`,
    )
  }
}

/**
 * A JSON column's value for a record, putting its exact text in `extra.<column>_text` when needed.
 * It may hold bigints (integers beyond 2^53), which `canonicalJson` writes digit for digit.
 */
export function jsonValue(read: ReadJson | null, extra: Record<string, unknown>, column: string): JsonValue {
  if (!read) return null
  if (read.exactText !== undefined) extra[`${column}_text`] = read.exactText
  return read.value as JsonValue
}

/**
 * `extra` for a record: the mapped fields, the columns nobody read (both without nulls: a missing key
 * is NULL), and `v2_raw` when not empty.
 */
export function buildExtra(reader: RowReader, fields: Record<string, unknown>): Record<string, unknown> {
  const extra: Record<string, unknown> = {}
  for (const [key, value] of Object.entries({ ...fields, ...reader.rest(plainValue) }))
    if (value !== null && value !== undefined) extra[key] = value
  if (Object.keys(reader.raw).length > 0) extra.v2_raw = { ...reader.raw }
  return extra
}

/** A v2 integer id as a JSON value: a number when it is one. */
export function idValue(id: string): number | string {
  const number = Number(id)
  return /^-?\d+$/.test(id) && Number.isSafeInteger(number) ? number : id
}

/**
 * The round trip a row's `trade_id` links: none without a trade id, nor when `trades` (the v2 trade
 * ids that exist) lacks it, which is noted (the id stays in `extra.trade_id`).
 */
export function roundTripRef(
  tradeId: string | null,
  trades: ReadonlySet<string>,
  context: MapContext,
  id: string,
): EntityRef | null {
  if (tradeId === null) return null
  if (trades.has(tradeId)) return { ref: 'round_trips', sourceKey: keys.trade(tradeId) }
  context.notes.add(
    'missing-trade',
    id,
    (what) =>
      `${context.table}: ${what} name a trade_id that is not in trades: they link no round trip (the id is kept in extra.trade_id).`,
  )
  return null
}
