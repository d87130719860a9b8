import type { DatabaseConnection, Reject } from '@ledgerport/core'
import type { EncodedRows } from './replica-writer.js'
import {
  type ConversionNotes,
  createPgRowEncoder,
  createSqliteRowEncoder,
  describeKey,
  isRejected,
  keyText,
  type PgRowEncoder,
  type RejectedValue,
  type SqliteRowEncoder,
} from './row-encoders.js'
import { openSourceReader, type ReadSpec, type SourceReader } from './source-reader.js'
import type { TablePlan } from './table-plan.js'
import type { EngineFamily, ReplicaColumn } from './type-mapping.js'

/** One page of source rows, encoded for the target. */
export interface EncodedPage {
  /** Source rows in the page (rejected ones included). */
  readonly length: number
  /** Every row's state key. */
  readonly keys: ReadonlyArray<string>
  /** Every row's hash; undefined for rejected rows. */
  readonly hashes: ReadonlyArray<string | undefined>
  readonly rejects: ReadonlyArray<Reject>
  /** The accepted rows. */
  readonly rows: EncodedRows
  /** PostgreSQL: byte offset of each row in `rows.bytes` (a rejected row is empty). */
  readonly offsets?: ReadonlyArray<number>
  /** SQLite: index of each accepted row in `rows.rows`. */
  readonly positions?: ReadonlyArray<number>
  /** The key values of the page's last row (where the next page starts). */
  readonly last: unknown[]
}

/**
 * A table's pages in key order, read and encoded. A page stays valid until the page after the next
 * one is taken, so one page can be written while the next is read.
 */
export interface PageStream {
  /** The next page, or undefined at the end. */
  next(): Promise<EncodedPage | undefined>
  /** Stops reading and releases the reader. */
  close(): Promise<void>
}

/** The encoder for a plan's target engine. */
export function createEncoder(
  plan: TablePlan,
  target: EngineFamily,
  notes: ConversionNotes,
): PgRowEncoder | SqliteRowEncoder {
  return target === 'postgres'
    ? createPgRowEncoder(plan.columns, plan.source, plan.options, notes)
    : createSqliteRowEncoder(plan.columns, plan.source)
}

/** Encodes a page: the accepted rows for the target, every row's state key and hash, the rejects. */
export function encodePage(
  plan: TablePlan,
  encoder: PgRowEncoder | SqliteRowEncoder,
  page: ReadonlyArray<ReadonlyArray<unknown>>,
): EncodedPage {
  const keys = new Array<string>(page.length)
  const hashes = new Array<string | undefined>(page.length)
  const rejects: Reject[] = []
  const keyNames = plan.key.length
    ? plan.key.map((column) => column.name)
    : [plan.source === 'postgres' ? 'ctid' : 'rowid']
  const onReject = (index: number, rejected: RejectedValue): void => {
    const row = page[index]!
    rejects.push({
      location: { table: plan.table.name, key: describeKey(keyNames, row, plan.keyIndexes) },
      field: rejected.column,
      reason: `${rejected.column}: ${rejected.reason}`,
      raw: rawRow(plan.columns, row),
    })
  }
  for (let index = 0; index < page.length; index++) keys[index] = keyText(page[index]!, plan.keyIndexes)
  const lastRow = page[page.length - 1]
  const last = lastRow ? plan.keyIndexes.map((index) => lastRow[index]) : []
  if ('out' in encoder) {
    encoder.out.reset()
    const offsets = new Array<number>(page.length + 1)
    for (let index = 0; index < page.length; index++) {
      offsets[index] = encoder.out.length
      const result = encoder.encode(page[index]!)
      if (isRejected(result)) onReject(index, result)
      else hashes[index] = result
    }
    offsets[page.length] = encoder.out.length
    const rows: EncodedRows = {
      engine: 'postgres',
      format: encoder.format,
      bytes: encoder.out.view(),
      count: page.length - rejects.length,
    }
    return { length: page.length, keys, hashes, rejects, rows, offsets, last }
  }
  const rows: unknown[][] = []
  const positions = new Array<number>(page.length)
  for (let index = 0; index < page.length; index++) {
    const result = encoder.encode(page[index]!)
    if (isRejected(result)) {
      onReject(index, result)
      continue
    }
    positions[index] = rows.length
    rows.push(result.values)
    hashes[index] = result.hash
  }
  return { length: page.length, keys, hashes, rejects, rows: { engine: 'sqlite', rows }, positions, last }
}

/** A rejected row as JSON-friendly values (bytes as hex, bigints as text), for the rejects file. */
export function rawRow(
  columns: ReadonlyArray<ReplicaColumn>,
  row: ReadonlyArray<unknown>,
): Record<string, unknown> {
  const raw: Record<string, unknown> = {}
  columns.forEach((column, index) => {
    const value = row[index]
    raw[column.name] =
      value instanceof Uint8Array || value instanceof ArrayBuffer
        ? `x'${Buffer.from(value as Uint8Array).toString('hex')}'`
        : typeof value === 'bigint'
          ? value.toString()
          : value
  })
  return raw
}

/** The read spec of a plan: every column, in key order. */
export function readSpec(plan: TablePlan): ReadSpec {
  return { table: plan.table.name, columns: plan.columns, key: plan.key }
}

/**
 * Opens a table's page stream from `from` on. (Reading and encoding in worker threads was measured
 * slower on two cores, and cost a V8 heap per table: pages are read in this thread.)
 */
export async function openPageStream(
  source: DatabaseConnection,
  plan: TablePlan,
  target: EngineFamily,
  from: unknown[] | undefined,
  pageSize: number,
  notes: ConversionNotes,
): Promise<PageStream> {
  const reader = await openSourceReader(source, readSpec(plan))
  return new ThreadPageStream(reader, plan, target, from, pageSize, notes)
}

class ThreadPageStream implements PageStream {
  readonly #reader: SourceReader
  readonly #plan: TablePlan
  readonly #encoders: ReadonlyArray<PgRowEncoder | SqliteRowEncoder>
  readonly #pageSize: number
  #after: unknown[] | undefined
  #flip = 0
  #done = false
  #closed = false

  constructor(
    reader: SourceReader,
    plan: TablePlan,
    target: EngineFamily,
    from: unknown[] | undefined,
    pageSize: number,
    notes: ConversionNotes,
  ) {
    this.#reader = reader
    this.#plan = plan
    this.#encoders = [createEncoder(plan, target, notes), createEncoder(plan, target, notes)]
    this.#after = from
    this.#pageSize = pageSize
  }

  async next(): Promise<EncodedPage | undefined> {
    if (this.#done) return undefined
    const page = await this.#reader.page(this.#after, this.#pageSize)
    if (page.length === 0) {
      this.#done = true
      return undefined
    }
    this.#flip ^= 1
    const encoded = encodePage(this.#plan, this.#encoders[this.#flip]!, page)
    this.#after = encoded.last
    return encoded
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#reader.close()
  }
}
