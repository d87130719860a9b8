import type { CanonicalRecord, SourceLocation } from '../model/canonical-record.js'
import { describeValue } from '../model/describe-value.js'
import { type ColumnSpec, type ColumnType, ENTITY_COLUMNS } from '../model/entities.js'

/**
 * A source plugin produced a record no data can explain: a table that does not exist, a key of
 * `values` that is not a column, or a value of a JS type the column never takes (an object in a
 * text column, a number in a vocabulary column, a reference to another table). It is the plugin's
 * bug, so the stream stops with this error instead of rejecting every record.
 */
export class PluginRecordError extends Error {
  /** The plugin (the run's source name). */
  readonly plugin: string
  /** The table the record was for. */
  readonly entity: string
  /** The offending column (or `entity` for an unknown table). */
  readonly column: string

  constructor(plugin: string, entity: string, column: string, message: string) {
    super(message)
    this.name = 'PluginRecordError'
    this.plugin = plugin
    this.entity = entity
    this.column = column
  }
}

/** The JS types (`typeof`) a column of each type takes; `json` takes any value. */
const TAKES: Readonly<Record<Exclude<ColumnType, 'json' | 'ref'>, ReadonlySet<string>>> = {
  text: new Set(['string', 'number', 'bigint']),
  decimal: new Set(['string', 'number', 'bigint']),
  instant: new Set(['string', 'number', 'bigint']),
  integer: new Set(['string', 'number', 'bigint']),
  boolean: new Set(['boolean', 'number', 'string']),
  vocab: new Set(['string']),
}

const COLUMNS = new Map<string, ReadonlyMap<string, ColumnSpec>>(
  Object.entries(ENTITY_COLUMNS).map(([entity, columns]) => [
    entity,
    new Map(columns.map((column) => [column.name, column])),
  ]),
)

/**
 * Throws a {@link PluginRecordError} naming the plugin, the table and the column when a record's
 * shape is a coding error of the plugin (see there). Bad data in the right shape (`"abc"` as a price,
 * a status outside the vocabulary, a missing required column) is left for validation, which rejects
 * the record.
 */
export function checkPluginRecord(record: CanonicalRecord, plugin: string): void {
  const columns = COLUMNS.get(record.entity)
  if (!columns)
    throw new PluginRecordError(
      plugin,
      String(record.entity),
      'entity',
      `Source plugin ${plugin} wrote a record for ${describeValue(record.entity)}, which is not a canonical table (one of ${[...COLUMNS.keys()].join(', ')})${at(record.location)}. Fix the plugin.`,
    )
  const values = record.values
  if (values === null || typeof values !== 'object')
    throw new PluginRecordError(
      plugin,
      record.entity,
      'values',
      `Source plugin ${plugin} wrote a ${record.entity} record whose values are ${describeValue(values)}, not an object of columns${at(record.location)}. Fix the plugin.`,
    )
  for (const name in values) {
    const value = values[name]
    if (value === undefined || value === null) continue
    const column = columns.get(name)
    if (!column) {
      // Common columns (source, id, …) and misspellings are reported by validation as a reject
      // only when the value is absent; a value under a name that is no column is the plugin's bug.
      throw new PluginRecordError(
        plugin,
        record.entity,
        name,
        `Source plugin ${plugin} wrote column ${name} on ${record.entity}, which has no such column${at(record.location)}. Fix the plugin: use one of ${[...columns.keys()].join(', ')}, or put source fields in extra.`,
      )
    }
    const problem = wrongType(column, value)
    if (problem)
      throw new PluginRecordError(
        plugin,
        record.entity,
        name,
        `Source plugin ${plugin} wrote ${record.entity}.${name} as ${describeValue(value)}, ${problem}${at(record.location)}. Fix the plugin.`,
      )
  }
}

function wrongType(column: ColumnSpec, value: unknown): string | undefined {
  if (column.type === 'json') return undefined
  if (column.type === 'ref') {
    const ref = value as { ref?: unknown; sourceKey?: unknown }
    if (typeof value !== 'object' || typeof ref.sourceKey !== 'string')
      return `but a ref column takes { ref: '${column.ref}', sourceKey: string }`
    if (ref.ref !== column.ref) return `but ${column.name} references ${column.ref}, not ${String(ref.ref)}`
    return undefined
  }
  if (column.type === 'instant' && value instanceof Date) return undefined
  if (TAKES[column.type].has(typeof value)) return undefined
  const kind = Array.isArray(value)
    ? 'an array'
    : value instanceof Date
      ? 'a Date'
      : `${typeof value === 'object' ? 'an' : 'a'} ${typeof value}`
  return `${kind}, but a ${column.type} column takes ${[...TAKES[column.type]].join(', ')}${column.type === 'instant' ? ', Date' : ''}`
}

function at(location: SourceLocation | undefined): string {
  if (!location) return ''
  const where = [location.file, location.path, location.table, location.key].filter(Boolean).join(' ')
  return where ? ` (record at ${where})` : ''
}
