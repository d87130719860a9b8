import { capabilitiesOf, type DatabaseKind } from '@ledgerport/core'

/**
 * What a source column holds, whatever its engine calls it. `replicate` decides the target column
 * type and how each value converts from this.
 */
export type ColumnKind =
  | 'integer'
  | 'boolean'
  | 'float'
  | 'decimal'
  | 'text'
  | 'timestamp'
  | 'timestamptz'
  | 'date'
  | 'blob'
  | 'json'
  /** Anything else (an untyped SQLite column, a PostgreSQL uuid, interval, array, enum, …): kept as text. */
  | 'other'

/** A column of a source table, as introspected. */
export interface ReplicaColumn {
  /** The column name, exactly as the source spells it. */
  readonly name: string
  /** The source's type: SQLite's declared type (may be empty), or PostgreSQL's `format_type()`. */
  readonly declaredType: string
  /** What it holds. */
  readonly kind: ColumnKind
  readonly notNull: boolean
  /** `VARCHAR(n)` / `CHAR(n)`: the maximum length in characters. */
  readonly length?: number
  /** `NUMERIC(p, s)` / `DECIMAL(p, s)`. */
  readonly precision?: number
  readonly scale?: number
  /** PostgreSQL sources: the type's name in `pg_type` (`int4`, `float8`, `_text`, …). */
  readonly pgType?: string
  /** PostgreSQL sources: the type lives in `pg_catalog` (so another database has it too). */
  readonly builtIn?: boolean
  /** The key is generated: SQLite's rowid alias (`INTEGER PRIMARY KEY`), PostgreSQL identity or serial. */
  readonly generated?: boolean
  /** SQLite sources: the column was declared `AUTOINCREMENT`. */
  readonly autoincrement?: boolean
  /** The default as SQL text of the source engine (copied only between engines of the same kind). */
  readonly defaultSql?: string
}

/** Options that change the target's column types. */
export interface TypeMappingOptions {
  /** SQLite FLOAT/REAL → PostgreSQL `numeric` holding each value's shortest round-trip decimal. */
  readonly exactDecimals?: boolean
}

/** SQLite and libSQL are the same engine as far as types go. */
export type EngineFamily = 'sqlite' | 'postgres'

/** `postgres` for PostgreSQL, `sqlite` for SQLite and libSQL. */
export function engineFamily(kind: DatabaseKind): EngineFamily {
  return capabilitiesOf(kind).dialect
}

const LENGTH = /\(\s*(\d+)\s*\)/
const PRECISION = /\(\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?\)/

/**
 * The kind of a SQLite column from its declared type. Names are recognised first (`BOOLEAN`,
 * `DATETIME`/`TIMESTAMP`, `DATE`, `JSON`, `DECIMAL`/`NUMERIC`), then SQLite's own affinity rules
 * decide (`INT` → integer, `CHAR`/`CLOB`/`TEXT` → text, `BLOB` → blob, `REAL`/`FLOA`/`DOUB` → float).
 * An empty or unknown type is `other` (kept as text).
 */
export function sqliteColumnKind(
  declaredType: string,
): Pick<ReplicaColumn, 'kind' | 'length' | 'precision' | 'scale'> {
  const type = declaredType.trim().toUpperCase()
  if (type === '') return { kind: 'other' }
  if (type.includes('BOOL')) return { kind: 'boolean' }
  if (/TIMESTAMPTZ|TIMESTAMP\s+WITH\s+TIME\s+ZONE/.test(type)) return { kind: 'timestamptz' }
  if (type.includes('DATETIME') || type.includes('TIMESTAMP')) return { kind: 'timestamp' }
  if (/^DATE\b/.test(type)) return { kind: 'date' }
  if (type.includes('JSON')) return { kind: 'json' }
  if (type.includes('DECIMAL') || type.includes('NUMERIC') || type === 'NUM') {
    const match = PRECISION.exec(type)
    return {
      kind: 'decimal',
      ...(match ? { precision: Number(match[1]) } : {}),
      ...(match?.[2] !== undefined ? { scale: Number(match[2]) } : {}),
    }
  }
  if (type.includes('INT')) return { kind: 'integer' }
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) {
    const match = LENGTH.exec(type)
    return { kind: 'text', ...(match && type.includes('CHAR') ? { length: Number(match[1]) } : {}) }
  }
  if (type.includes('BLOB')) return { kind: 'blob' }
  if (type.includes('REAL') || type.includes('FLOA') || type.includes('DOUB')) return { kind: 'float' }
  return { kind: 'other' }
}

/** The kind of a PostgreSQL column from its `pg_type.typname`. */
export function postgresColumnKind(typname: string): ColumnKind {
  switch (typname) {
    case 'int2':
    case 'int4':
    case 'int8':
      return 'integer'
    case 'bool':
      return 'boolean'
    case 'float4':
    case 'float8':
      return 'float'
    case 'numeric':
      return 'decimal'
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'name':
    case 'citext':
      return 'text'
    case 'timestamp':
      return 'timestamp'
    case 'timestamptz':
      return 'timestamptz'
    case 'date':
      return 'date'
    case 'bytea':
      return 'blob'
    case 'json':
    case 'jsonb':
      return 'json'
    default:
      return 'other'
  }
}

/**
 * The target column type of a source column: the documented type mapping (docs/replicate.md, `ledgerport
 * replicate`).
 *
 * | source | SQLite / libSQL target | PostgreSQL target |
 * | --- | --- | --- |
 * | SQLite `INTEGER` (any `INT`) | kept | `bigint` (`generated by default as identity` for a rowid alias) |
 * | SQLite `BOOLEAN` (0/1) | kept | `boolean` |
 * | SQLite `VARCHAR(n)` / `CHAR(n)` | kept | `varchar(n)` |
 * | SQLite `TEXT`, `CLOB` | kept | `text` |
 * | SQLite `DATETIME` / `TIMESTAMP` (naive text) | kept | `timestamp` |
 * | SQLite `DATE` | kept | `date` |
 * | SQLite `FLOAT` / `REAL` / `DOUBLE` | kept | `double precision`; `numeric` with `exactDecimals` |
 * | SQLite `DECIMAL` / `NUMERIC` | kept | `numeric` |
 * | SQLite `BLOB` | kept | `bytea` |
 * | SQLite `JSON` | kept | `json` |
 * | SQLite untyped / other | kept | `text` |
 * | PostgreSQL `smallint` / `integer` / `bigint` | `INTEGER` | kept |
 * | PostgreSQL `boolean` | `BOOLEAN` (0/1) | kept |
 * | PostgreSQL `real` / `double precision` | `REAL` | kept |
 * | PostgreSQL `numeric(p,s)` | `DECIMAL_TEXT(p,s)` (text affinity: every digit kept) | kept |
 * | PostgreSQL `varchar(n)` / `char(n)` / `text` | `VARCHAR(n)` / `CHAR(n)` / `TEXT` | kept |
 * | PostgreSQL `timestamp` / `timestamptz` / `date` | `DATETIME` / `TIMESTAMPTZ` (ISO text, `Z`) / `DATE` | kept |
 * | PostgreSQL `bytea` | `BLOB` | kept |
 * | PostgreSQL `json` / `jsonb` / anything else | `TEXT` | kept (types outside `pg_catalog`, e.g. enums, become `text`) |
 */
export function targetColumnType(
  column: ReplicaColumn,
  source: EngineFamily,
  target: EngineFamily,
  options: TypeMappingOptions = {},
): string {
  if (source === target) {
    if (target === 'postgres' && column.builtIn === false) return 'text'
    return column.declaredType
  }
  if (target === 'postgres') {
    switch (column.kind) {
      case 'integer':
        return 'bigint'
      case 'boolean':
        return 'boolean'
      case 'float':
        return options.exactDecimals ? 'numeric' : 'double precision'
      case 'decimal':
        return 'numeric'
      case 'text':
        return column.length !== undefined ? `varchar(${column.length})` : 'text'
      case 'timestamp':
        return 'timestamp'
      case 'timestamptz':
        return 'timestamptz'
      case 'date':
        return 'date'
      case 'blob':
        return 'bytea'
      case 'json':
        return 'json'
      default:
        return 'text'
    }
  }
  switch (column.kind) {
    case 'integer':
      return 'INTEGER'
    case 'boolean':
      return 'BOOLEAN'
    case 'float':
      return 'REAL'
    case 'decimal':
      return column.precision !== undefined
        ? `DECIMAL_TEXT(${column.precision},${column.scale ?? 0})`
        : 'DECIMAL_TEXT'
    case 'text':
      if (column.length === undefined) return 'TEXT'
      return column.pgType === 'bpchar' ? `CHAR(${column.length})` : `VARCHAR(${column.length})`
    case 'timestamp':
      return 'DATETIME'
    case 'timestamptz':
      return 'TIMESTAMPTZ'
    case 'date':
      return 'DATE'
    case 'blob':
      return 'BLOB'
    default:
      return 'TEXT'
  }
}
