import { isUtf8 } from 'node:buffer'
import { createHash } from 'node:crypto'
import { capabilitiesOf, type DatabaseKind } from '@ledgerport/core'
import { keyIndexes } from './source-reader.js'
import { REPLICA_TABLE_PREFIX, type ReplicaTable } from './table-schema.js'
import {
  type EngineFamily,
  engineFamily,
  type ReplicaColumn,
  type TypeMappingOptions,
  targetColumnType,
} from './type-mapping.js'

/** How one source table is copied: target types, key, and the names of its bookkeeping tables. */
export interface TablePlan {
  readonly table: ReplicaTable
  readonly source: EngineFamily
  readonly target: EngineFamily
  readonly columns: ReadonlyArray<ReplicaColumn>
  /** Target column types, by column. */
  readonly targetTypes: ReadonlyArray<string>
  /** Primary key columns; empty when the table has none (copied whole). */
  readonly key: ReadonlyArray<ReplicaColumn>
  /** Positions of the key values in a source row (the appended rowid/ctid when there is no key). */
  readonly keyIndexes: ReadonlyArray<number>
  /** Each row's key and hash. */
  readonly stateTable: string
  /** PostgreSQL: changed rows are COPied here, then merged. */
  readonly stageTable: string
  /** The source's keys, to find rows deleted in the source. */
  readonly probeTable: string
  /** Hash of the target shape (columns, types, key). */
  readonly schemaHash: string
  readonly options: TypeMappingOptions
}

/**
 * Plans the copy of `table` from one engine to another.
 *
 * @throws {Error} when the table's or a column's name is longer than the target's identifiers
 *   (PostgreSQL: 63 bytes): the target would cut it, so the copy would not have the source's names
 *   (and two names with the same first 63 bytes would collide).
 */
export function planTable(
  table: ReplicaTable,
  sourceKind: DatabaseKind,
  targetKind: DatabaseKind,
  options: TypeMappingOptions,
): TablePlan {
  checkNameLengths(table, targetKind)
  const source = engineFamily(sourceKind)
  const target = engineFamily(targetKind)
  const columns = table.columns
  const targetTypes = columns.map((column) => targetColumnType(column, source, target, options))
  const key = table.primaryKey.map((name) => columns.find((column) => column.name === name)!)
  const schemaHash = createHash('sha256')
    .update(
      JSON.stringify({
        columns: columns.map((column, index) => [column.name, targetTypes[index], column.notNull]),
        key: table.primaryKey,
      }),
    )
    .digest('hex')
    .slice(0, 16)
  return {
    table,
    source,
    target,
    columns,
    targetTypes,
    key,
    keyIndexes: keyIndexes({ table: table.name, columns, key }),
    stateTable: bookkeepingName('state', table.name),
    stageTable: bookkeepingName('stage', table.name),
    probeTable: bookkeepingName('probe', table.name),
    schemaHash,
    options,
  }
}

/** The first `max` bytes of `name`, at a character boundary (as PostgreSQL cuts). */
function cut(name: string, max: number): string {
  let bytes = Buffer.from(name).subarray(0, max)
  while (bytes.length && !isUtf8(bytes)) bytes = bytes.subarray(0, bytes.length - 1)
  return bytes.toString()
}

/** Refuses a table whose own or column names the target would cut. */
function checkNameLengths(table: ReplicaTable, targetKind: DatabaseKind): void {
  const max = capabilitiesOf(targetKind).maxIdentifierLength
  const engine = targetKind === 'postgres' ? 'PostgreSQL' : targetKind
  const tooLong = (name: string) => Buffer.byteLength(name) > max
  const describe = (name: string) =>
    `is ${Buffer.byteLength(name)} bytes long; ${engine} keeps ${max} bytes of a name and would cut it to ${JSON.stringify(cut(name, max))}`
  if (tooLong(table.name))
    throw new Error(
      `The source table name ${JSON.stringify(table.name)} ${describe(table.name)}, so the copy would not have the source's name (and another table with the same first ${max} bytes would collide). Rename the table in the source, or leave it out with --exclude.`,
    )
  const columns = table.columns.filter((column) => tooLong(column.name))
  if (columns.length)
    throw new Error(
      `Table ${table.name}: column ${columns.map((column) => `${JSON.stringify(column.name)} ${describe(column.name)}`).join('; column ')}, so the copy would not have the source's column names (and two with the same first ${max} bytes would collide). Rename the column(s) in the source, or leave the table out with --exclude.`,
    )
}

/** `ledgerport_replica_state_trades`; shortened with a hash to PostgreSQL's 63 bytes when needed. */
export function bookkeepingName(role: 'state' | 'stage' | 'probe', table: string): string {
  const name = `${REPLICA_TABLE_PREFIX}${role}_${table}`
  if (Buffer.byteLength(name) <= 63) return name
  const digest = createHash('sha256').update(table).digest('hex').slice(0, 8)
  let prefix = `${REPLICA_TABLE_PREFIX}${role}_${table}`
  while (Buffer.byteLength(prefix) > 54) prefix = prefix.slice(0, -1)
  return `${prefix}_${digest}`
}
