import { type DatabaseConnection, quoteIdentifier } from '@ledgerport/core'
import { type Kysely, sql } from 'kysely'
import { postgresColumnKind, type ReplicaColumn, sqliteColumnKind } from './type-mapping.js'

/** An index or a unique constraint of a source table. */
export interface ReplicaIndex {
  readonly name: string
  readonly unique: boolean
  /** A `UNIQUE` constraint (created as a constraint on PostgreSQL), not a plain index. */
  readonly constraint: boolean
  /** Indexed columns, in order; empty when the index is on expressions. */
  readonly columns: ReadonlyArray<string>
  /** Per column: descending. */
  readonly descending: ReadonlyArray<boolean>
  /** Only plain column lists (no expressions, no `WHERE`) can be rebuilt on another engine. */
  readonly portable: boolean
  /** The source's own `CREATE INDEX` statement (used between engines of the same kind). */
  readonly sql?: string
}

/** A source table: what `replicate` needs to create and fill its copy. */
export interface ReplicaTable {
  readonly name: string
  readonly columns: ReadonlyArray<ReplicaColumn>
  /** Primary key columns in key order; empty when the table has none. */
  readonly primaryKey: ReadonlyArray<string>
  /** PostgreSQL sources: the primary key constraint's name. */
  readonly primaryKeyName?: string
  readonly indexes: ReadonlyArray<ReplicaIndex>
  /** SQLite sources: table options after the column list (`WITHOUT ROWID`, `STRICT`). */
  readonly tableOptions?: string
  /** What could not be carried over (expression indexes between engines, …). */
  readonly warnings: ReadonlyArray<string>
}

/**
 * True when the target has the table (exact name, any case: PostgreSQL's current schema, or SQLite's
 * main schema).
 */
export async function targetTableExists(connection: DatabaseConnection, table: string): Promise<boolean> {
  const { rows } =
    connection.capabilities.dialect === 'postgres'
      ? await sql`select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = current_schema() and c.relname = ${table}`.execute(connection.db)
      : await sql`select 1 from sqlite_master where type = 'table' and name = ${table}`.execute(connection.db)
  return rows.length > 0
}

/** Tables of ledgerport's own replica bookkeeping; never replicated. */
export const REPLICA_TABLE_PREFIX = 'ledgerport_replica_'

/** The source's tables (not views, not SQLite's internal tables, not replica bookkeeping), sorted by name. */
export async function listSourceTables(connection: DatabaseConnection): Promise<string[]> {
  const db = connection.db
  const { rows } =
    connection.capabilities.dialect === 'postgres'
      ? await sql<{ name: string }>`select c.relname as name from pg_class c
          join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition
          order by c.relname`.execute(db)
      : await sql<{ name: string }>`select name from sqlite_master
          where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name`.execute(db)
  return rows.map((row) => row.name).filter((name) => !name.startsWith(REPLICA_TABLE_PREFIX))
}

/** Reads a source table's columns, primary key, unique constraints and indexes. */
export async function describeSourceTable(
  connection: DatabaseConnection,
  table: string,
): Promise<ReplicaTable> {
  return connection.capabilities.dialect === 'postgres'
    ? describePostgresTable(connection.db, table)
    : describeSqliteTable(connection.db, table)
}

async function describeSqliteTable(db: Kysely<any>, table: string): Promise<ReplicaTable> {
  const warnings: string[] = []
  const { rows: master } = await sql<{
    sql: string | null
  }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(db)
  if (master.length === 0) throw new Error(`The source has no table ${table}.`)
  const createSql = master[0]!.sql ?? ''
  const { rows: info } = await sql<{
    name: string
    type: string | null
    notnull: number | bigint
    dflt_value: string | null
    pk: number | bigint
  }>`select name, type, "notnull", dflt_value, pk from pragma_table_info(${table}) order by cid`.execute(db)
  // pragma_table_info leaves generated columns out; they are not copied, and the user is told.
  const { rows: generatedColumns } = await sql<{
    name: string
    hidden: number | bigint
  }>`select name, hidden from pragma_table_xinfo(${table}) where hidden in (2, 3) order by cid`.execute(db)
  for (const column of generatedColumns)
    warnings.push(generatedWarning(table, column.name, Number(column.hidden) === 3 ? 'STORED' : 'VIRTUAL'))
  const primaryKey = info
    .filter((column) => Number(column.pk) > 0)
    .sort((a, b) => Number(a.pk) - Number(b.pk))
    .map((column) => column.name)
  const tableOptions = createSql.slice(createSql.lastIndexOf(')') + 1).trim()
  const withoutRowid = /WITHOUT\s+ROWID/i.test(tableOptions)
  const columns: ReplicaColumn[] = info.map((column) => {
    const declaredType = (column.type ?? '').trim()
    const rowidAlias =
      primaryKey.length === 1 &&
      primaryKey[0] === column.name &&
      declaredType.toUpperCase() === 'INTEGER' &&
      !withoutRowid
    return {
      name: column.name,
      declaredType,
      ...sqliteColumnKind(declaredType),
      // A rowid alias is never NULL, whatever its declaration says.
      notNull: Number(column.notnull) === 1 || rowidAlias,
      ...(rowidAlias ? { generated: true } : {}),
      ...(rowidAlias && /\bAUTOINCREMENT\b/i.test(createSql) ? { autoincrement: true } : {}),
      ...(column.dflt_value !== null ? { defaultSql: column.dflt_value } : {}),
    }
  })
  const constraintNames = uniqueConstraintNames(createSql)
  const { rows: list } = await sql<{
    name: string
    unique: number | bigint
    origin: string
    partial: number | bigint
  }>`select name, "unique", origin, partial from pragma_index_list(${table}) order by seq`.execute(db)
  const indexes: ReplicaIndex[] = []
  for (const index of list) {
    if (index.origin === 'pk') continue
    const { rows: keys } = await sql<{
      cid: number | bigint
      name: string | null
      desc: number | bigint
    }>`select cid, name, "desc" from pragma_index_xinfo(${index.name}) where key = 1 order by seqno`.execute(
      db,
    )
    const { rows: statement } = await sql<{
      sql: string | null
    }>`select sql from sqlite_master where type = 'index' and name = ${index.name}`.execute(db)
    const expression = keys.some((key) => key.name === null)
    const columnNames = keys.map((key) => key.name ?? '')
    const constraint = index.origin === 'u'
    const name = constraint
      ? (constraintNames.get(columnNames.join('\u0000')) ?? `${table}_${columnNames.join('_')}_key`)
      : index.name
    indexes.push({
      name,
      unique: Number(index.unique) === 1,
      constraint,
      columns: expression ? [] : columnNames,
      descending: keys.map((key) => Number(key.desc) === 1),
      portable: !expression && Number(index.partial) === 0,
      ...(statement[0]?.sql ? { sql: statement[0].sql } : {}),
    })
  }
  return {
    name: table,
    columns,
    primaryKey,
    indexes,
    ...(tableOptions ? { tableOptions } : {}),
    warnings,
  }
}

/** What the copy of a table says about a generated column it leaves out. */
function generatedWarning(table: string, column: string, kind: 'STORED' | 'VIRTUAL'): string {
  return `${table}.${column} is a generated column (GENERATED ALWAYS AS … ${kind}): it is not copied, since its values follow from the other columns; add it to the target table yourself (ALTER TABLE ${table} ADD COLUMN … GENERATED ALWAYS AS (…)) if you need it there.`
}

/** `CONSTRAINT name UNIQUE (a, b)` clauses of a SQLite `CREATE TABLE`, by their column list. */
function uniqueConstraintNames(createSql: string): Map<string, string> {
  const names = new Map<string, string>()
  const pattern = /CONSTRAINT\s+("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[\w$]+)\s+UNIQUE\s*\(([^)]*)\)/gi
  for (const match of createSql.matchAll(pattern)) {
    const columns = match[2]!
      .split(',')
      .map((column) => unquote(column.trim().split(/\s+/)[0] ?? ''))
      .join('\u0000')
    names.set(columns, unquote(match[1]!))
  }
  return names
}

function unquote(name: string): string {
  if (/^".*"$/.test(name)) return name.slice(1, -1).replace(/""/g, '"')
  if (/^(`.*`|\[.*\])$/.test(name)) return name.slice(1, -1)
  return name
}

async function describePostgresTable(db: Kysely<any>, table: string): Promise<ReplicaTable> {
  const warnings: string[] = []
  const { rows: found } = await sql<{ oid: number; qualified: string }>`
    select c.oid::int as oid, format('%I.%I', n.nspname, c.relname) as qualified
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relname = ${table} and c.relkind in ('r', 'p')`.execute(db)
  if (found.length === 0) throw new Error(`The source has no table ${table}.`)
  const { oid, qualified } = found[0]!
  const { rows: attributes } = await sql<{
    name: string
    declared: string
    typname: string
    notnull: boolean
    default_sql: string | null
    identity: string
    builtin: boolean
  }>`
    select a.attname as name, format_type(a.atttypid, a.atttypmod) as declared, t.typname,
      a.attnotnull as notnull, pg_get_expr(d.adbin, d.adrelid) as default_sql,
      a.attidentity as identity, tn.nspname = 'pg_catalog' as builtin
    from pg_attribute a
    join pg_type t on t.oid = a.atttypid
    join pg_namespace tn on tn.oid = t.typnamespace
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid = ${oid} and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
    order by a.attnum`.execute(db)
  const { rows: generatedColumns } = await sql<{ name: string }>`
    select a.attname as name from pg_attribute a
    where a.attrelid = ${oid} and a.attnum > 0 and not a.attisdropped and a.attgenerated <> ''
    order by a.attnum`.execute(db)
  for (const column of generatedColumns) warnings.push(generatedWarning(table, column.name, 'STORED'))
  const { rows: constraints } = await sql<{
    name: string
    type: string
    columns: string[]
  }>`
    select c.conname as name, c.contype as type,
      array(select a.attname::text from unnest(c.conkey) with ordinality k(attnum, n)
            join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum order by k.n) as columns
    from pg_constraint c where c.conrelid = ${oid} and c.contype in ('p', 'u') order by c.conname`.execute(db)
  const primary = constraints.find((c) => c.type === 'p')
  const primaryKey = primary?.columns ?? []
  const columns: ReplicaColumn[] = attributes.map((attribute) => {
    const kind = postgresColumnKind(attribute.typname)
    const length = /\((\d+)\)$/.exec(attribute.declared)
    const precision = /^numeric\((\d+),(-?\d+)\)$/.exec(attribute.declared)
    const serial = attribute.default_sql?.startsWith('nextval(') ?? false
    const generated = attribute.identity !== '' || serial
    return {
      name: attribute.name,
      declaredType: attribute.declared,
      kind,
      notNull: attribute.notnull,
      pgType: attribute.typname,
      builtIn: attribute.builtin,
      ...(kind === 'text' && length ? { length: Number(length[1]) } : {}),
      ...(precision ? { precision: Number(precision[1]), scale: Number(precision[2]) } : {}),
      ...(generated ? { generated: true } : {}),
      ...(attribute.default_sql !== null && !generated ? { defaultSql: attribute.default_sql } : {}),
    }
  })
  for (const column of columns) {
    if (column.builtIn === false)
      warnings.push(`${table}.${column.name}: type ${column.declaredType} is not built in; copied as text.`)
  }
  const indexes: ReplicaIndex[] = constraints
    .filter((c) => c.type === 'u')
    .map((c) => ({
      name: c.name,
      unique: true,
      constraint: true,
      columns: c.columns,
      descending: c.columns.map(() => false),
      portable: true,
    }))
  const { rows: plain } = await sql<{
    name: string
    unique: boolean
    definition: string
    partial: boolean
    expression: boolean
    columns: string[]
    options: number[]
  }>`
    select i.relname as name, ix.indisunique as unique, pg_get_indexdef(ix.indexrelid) as definition,
      ix.indpred is not null as partial, ix.indexprs is not null as expression,
      array(select coalesce(a.attname::text, '') from unnest(ix.indkey) with ordinality k(attnum, n)
            left join pg_attribute a on a.attrelid = ix.indrelid and a.attnum = k.attnum order by k.n) as columns,
      array(select o::int from unnest(ix.indoption) o) as options
    from pg_index ix join pg_class i on i.oid = ix.indexrelid
    where ix.indrelid = ${oid}
      and not exists (select 1 from pg_constraint c where c.conindid = ix.indexrelid and c.conrelid = ix.indrelid)
    order by i.relname`.execute(db)
  for (const index of plain) {
    const portable = !index.partial && !index.expression && /USING btree/.test(index.definition)
    indexes.push({
      name: index.name,
      unique: index.unique,
      constraint: false,
      columns: portable ? index.columns : [],
      descending: index.columns.map((_, i) => ((index.options[i] ?? 0) & 1) === 1),
      portable,
      sql: index.definition.replace(` ON ${qualified} `, ` ON ${quoteIdentifier(table)} `),
    })
  }
  return {
    name: table,
    columns,
    primaryKey,
    ...(primary ? { primaryKeyName: primary.name } : {}),
    indexes,
    warnings,
  }
}
