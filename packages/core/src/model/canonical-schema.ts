import { type Kysely, sql } from 'kysely'
import { quoteIdentifier as quote } from '../db/quote-identifier.js'
import { capabilitiesOf } from '../engines/index.js'
import { checksumText } from '../migrate/checksum.js'
import type { MigrationProvider, ProvidedMigration } from '../migrate/migration.js'
import { COMMON_COLUMNS, type ColumnSpec, ENTITIES, ENTITY_COLUMNS, type EntityName } from './entities.js'

/**
 * How many of each table's `ENTITY_COLUMNS` migration `001_canonical_model` creates. A migration must
 * never change once applied somewhere, while `ENTITY_COLUMNS` grows at the end of each table; so 001
 * is pinned to the columns as they were, and a column (or table) added later needs a new migration
 * here (`ALTER TABLE … ADD COLUMN`) and a new snapshot. A test fails while `ENTITY_COLUMNS` has
 * columns no migration creates.
 */
const MODEL_001_COLUMN_COUNTS: Readonly<Record<EntityName, number>> = {
  users: 5,
  bots: 8,
  strategies: 5,
  trading_sessions: 9,
  signals: 18,
  round_trips: 29,
  orders: 30,
  fills: 13,
  positions: 13,
  protective_orders: 13,
  exchange_executions: 14,
  portfolio_snapshots: 10,
  balances: 8,
}

/** The engine's run ledger tables, in creation order. */
const LEDGER_TABLES = [
  'ledgerport_runs',
  'ledgerport_checkpoints',
  'ledgerport_rejects',
  'ledgerport_journal',
]

interface Dialect {
  readonly id: string
  readonly json: string
  readonly instant: string
  readonly boolean: string
  readonly autoIncrementKey: string
  readonly types: Readonly<Record<ColumnSpec['type'], string>>
}

const POSTGRES: Dialect = {
  id: 'uuid',
  json: 'jsonb',
  instant: 'timestamptz',
  boolean: 'boolean',
  autoIncrementKey: 'bigint generated always as identity primary key',
  types: {
    text: 'text',
    integer: 'bigint',
    boolean: 'boolean',
    decimal: 'numeric',
    instant: 'timestamptz',
    json: 'jsonb',
    ref: 'uuid',
    vocab: 'text',
  },
}

const SQLITE: Dialect = {
  id: 'text',
  json: 'text',
  instant: 'text',
  boolean: 'integer',
  autoIncrementKey: 'integer primary key',
  types: {
    text: 'text',
    integer: 'integer',
    boolean: 'integer',
    decimal: 'text',
    instant: 'text',
    json: 'text',
    ref: 'text',
    vocab: 'text',
  },
}

/**
 * The canonical model's schema migrations for a target, to run with the {@link Migrator} (in their own
 * ledger table, e.g. `ledgerport_model_migrations`):
 *
 * `001_canonical_model` creates
 * - every table of `ENTITIES`: `COMMON_COLUMNS` then `ENTITY_COLUMNS`. PostgreSQL: `id uuid primary
 *   key`, refs `uuid`, decimals `numeric`, instants `timestamptz`, json and `extra` `jsonb`, integers
 *   `bigint`, booleans `boolean`. SQLite/libSQL: ids, refs, decimals, instants and json `text`,
 *   integers and booleans `integer`. Vocabulary columns are `text` with `CHECK (col IN (…))`; required
 *   columns are `NOT NULL`; `UNIQUE (source, source_key)`; an index on every ref column and on
 *   `first_run_id` and `last_run_id`. No foreign keys: rows of one run may arrive before what they
 *   reference, and rollback deletes per run;
 * - the engine's run ledger: `ledgerport_runs`, `ledgerport_checkpoints`, `ledgerport_rejects`,
 *   `ledgerport_journal`.
 *
 * `002_source_digests` creates `ledgerport_source_digests` (see `SourceDigestStore`) and
 * `ledgerport_deferred_indexes` (see `SqlTarget.beginLoad`).
 *
 * `003_users_firebase_uid` adds `users.firebase_uid` (text), indexed.
 *
 * Its `down` drops them all. Its checksum is that of its SQL, so it also changes if the generated
 * SQL ever does. `verify(db)` checks that every table has its columns.
 *
 * ```ts
 * const migrator = new Migrator({
 *   connection,
 *   provider: canonicalModelMigrations(connection.kind),
 *   migrationTableName: 'ledgerport_model_migrations',
 * })
 * await migrator.migrateToLatest()
 * ```
 */
export function canonicalModelMigrations(kind: 'postgres' | 'sqlite' | 'libsql'): MigrationProvider {
  const dialect = { postgres: POSTGRES, sqlite: SQLITE }[capabilitiesOf(kind).dialect]
  const migrations = {
    '001_canonical_model': statementMigration(
      'canonical model tables and the run ledger',
      model001Up(dialect),
      model001Down(),
      model001Columns(),
    ),
    '002_source_digests': statementMigration(
      'digests of the source rows each run mapped; indexes set aside during a load',
      model002Up(),
      ['drop table "ledgerport_deferred_indexes"', 'drop table "ledgerport_source_digests"'],
      new Map([
        [
          'ledgerport_source_digests',
          ['source', 'scope', 'stream', 'row_key', 'digest', 'records', 'run_id'],
        ],
        ['ledgerport_deferred_indexes', ['name', 'table_name', 'definition']],
      ]),
    ),
    '003_users_firebase_uid': statementMigration(
      "users.firebase_uid (seed 003's user lookup), indexed",
      ['alter table "users" add column "firebase_uid" text', createIndex('users', ['firebase_uid'])],
      ['drop index "users_firebase_uid_idx"', 'alter table "users" drop column "firebase_uid"'],
      new Map([['users', ['firebase_uid']]]),
    ),
  }
  return { getMigrations: async () => migrations }
}

/**
 * A migration made of SQL statements. Its checksum is that of its SQL (so it changes if the generated
 * SQL ever does); `verify` checks that every table has at least the `expected` columns.
 */
function statementMigration(
  description: string,
  up: ReadonlyArray<string>,
  down: ReadonlyArray<string>,
  expected: ReadonlyMap<string, string[]>,
): ProvidedMigration {
  return {
    description,
    checksum: checksumText(`${up.join(';\n')};\n-- migrate:down\n${down.join(';\n')};\n`),
    statements: { up: [...up], down: [...down] },
    up: (db) => runAll(db, up),
    down: (db) => runAll(db, down),
    verify: (db) => verifyTables(db, expected),
  }
}

/** True when every table exists with at least these columns; else throws naming what is missing. */
async function verifyTables(db: Kysely<any>, expected: ReadonlyMap<string, string[]>): Promise<true> {
  const tables = new Map((await db.introspection.getTables()).map((table) => [table.name, table]))
  for (const [table, columns] of expected) {
    const found = tables.get(table)
    if (!found) throw new Error(`table ${table} is missing`)
    const names = new Set(found.columns.map((column) => column.name))
    const missing = columns.filter((column) => !names.has(column))
    if (missing.length > 0) throw new Error(`table ${table} lacks ${missing.join(', ')}`)
  }
  return true
}

async function runAll(db: Kysely<any>, statements: ReadonlyArray<string>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

function model001Up(dialect: Dialect): string[] {
  const statements: string[] = []
  for (const entity of ENTITIES) {
    const columns = ENTITY_COLUMNS[entity].slice(0, MODEL_001_COLUMN_COUNTS[entity])
    const definitions = [
      ...COMMON_COLUMNS.map((column) => commonColumnDefinition(column, dialect)),
      ...columns.map((column) => entityColumnDefinition(column, dialect)),
      `constraint ${quote(`${entity}_source_source_key_key`)} unique ("source", "source_key")`,
    ]
    statements.push(`create table ${quote(entity)} (\n  ${definitions.join(',\n  ')}\n)`)
    const indexed = [
      ...columns.filter((column) => column.type === 'ref').map((column) => column.name),
      'first_run_id',
      'last_run_id',
    ]
    for (const column of indexed) statements.push(createIndex(entity, [column]))
  }
  const { id, json, instant, boolean, autoIncrementKey } = dialect
  statements.push(
    createTable('ledgerport_runs', [
      '"id" text not null primary key',
      '"source" text not null',
      '"target" text not null',
      `"options" ${json} not null`,
      '"status" text not null',
      `"counts" ${json}`,
      `"started_at" ${instant} not null`,
      `"finished_at" ${instant}`,
      '"error" text',
    ]),
    createTable('ledgerport_checkpoints', [
      '"source" text not null',
      '"scope" text not null',
      '"stream" text not null',
      `"checkpoint" ${json}`,
      `"complete" ${boolean} not null`,
      '"run_id" text not null',
      `"updated_at" ${instant} not null`,
      'primary key ("source", "scope", "stream")',
    ]),
    createTable('ledgerport_rejects', [
      `"id" ${autoIncrementKey}`,
      '"run_id" text not null',
      '"source" text not null',
      '"stream" text',
      '"entity" text',
      '"file" text',
      '"path" text',
      '"table_name" text',
      '"record_key" text',
      '"field" text',
      '"reason" text not null',
      `"raw" ${json}`,
      `"created_at" ${instant} not null`,
    ]),
    createIndex('ledgerport_rejects', ['run_id']),
    createTable('ledgerport_journal', [
      `"id" ${autoIncrementKey}`,
      '"run_id" text not null',
      '"entity" text not null',
      `"row_id" ${id} not null`,
      `"before" ${json} not null`,
      `"created_at" ${instant} not null`,
    ]),
    createIndex('ledgerport_journal', ['run_id']),
    createIndex('ledgerport_journal', ['entity', 'row_id']),
  )
  return statements
}

/**
 * `ledgerport_source_digests`: per source row (a table's primary key, a file's record), the digest of
 * the row as last mapped, how many records it made, and the run that mapped it. A later run skips
 * rows whose digest is unchanged without mapping them (see `SourceDigestStore`).
 * `ledgerport_deferred_indexes`: the indexes a run dropped to load empty tables faster, until it
 * builds them again (see `SqlTarget.beginLoad`).
 */
function model002Up(): string[] {
  return [
    createTable('ledgerport_source_digests', [
      '"source" text not null',
      '"scope" text not null',
      '"stream" text not null',
      '"row_key" text not null',
      '"digest" text not null',
      '"records" integer not null',
      '"run_id" text not null',
      'primary key ("source", "scope", "stream", "row_key")',
    ]),
    createIndex('ledgerport_source_digests', ['run_id']),
    createTable('ledgerport_deferred_indexes', [
      '"name" text not null primary key',
      '"table_name" text not null',
      '"definition" text not null',
    ]),
  ]
}

function model001Down(): string[] {
  return [...LEDGER_TABLES]
    .reverse()
    .concat([...ENTITIES].reverse())
    .map((table) => `drop table ${quote(table)}`)
}

/** Every table 001 creates with its columns, for `verify`. */
function model001Columns(): Map<string, string[]> {
  const tables = new Map<string, string[]>()
  for (const entity of ENTITIES) {
    tables.set(entity, [
      ...COMMON_COLUMNS.map((column) => column.name),
      ...ENTITY_COLUMNS[entity].slice(0, MODEL_001_COLUMN_COUNTS[entity]).map((column) => column.name),
    ])
  }
  tables.set('ledgerport_runs', [
    'id',
    'source',
    'target',
    'options',
    'status',
    'counts',
    'started_at',
    'finished_at',
    'error',
  ])
  tables.set('ledgerport_checkpoints', [
    'source',
    'scope',
    'stream',
    'checkpoint',
    'complete',
    'run_id',
    'updated_at',
  ])
  tables.set('ledgerport_rejects', [
    'id',
    'run_id',
    'source',
    'stream',
    'entity',
    'file',
    'path',
    'table_name',
    'record_key',
    'field',
    'reason',
    'raw',
    'created_at',
  ])
  tables.set('ledgerport_journal', ['id', 'run_id', 'entity', 'row_id', 'before', 'created_at'])
  return tables
}

function commonColumnDefinition(column: ColumnSpec, dialect: Dialect): string {
  if (column.name === 'id') return `"id" ${dialect.id} not null primary key`
  if (column.name === 'extra') return `"extra" ${dialect.json}`
  return `${quote(column.name)} text${column.required ? ' not null' : ''}`
}

function entityColumnDefinition(column: ColumnSpec, dialect: Dialect): string {
  let definition = `${quote(column.name)} ${dialect.types[column.type]}`
  if (column.required) definition += ' not null'
  if (column.type === 'vocab') {
    const values = (column.vocabulary ?? []).map((value) => `'${value.replaceAll("'", "''")}'`).join(', ')
    definition += ` check (${quote(column.name)} in (${values}))`
  }
  return definition
}

function createTable(table: string, definitions: ReadonlyArray<string>): string {
  return `create table ${quote(table)} (\n  ${definitions.join(',\n  ')}\n)`
}

function createIndex(table: string, columns: ReadonlyArray<string>): string {
  return `create index ${quote(`${table}_${columns.join('_')}_idx`)} on ${quote(table)} (${columns.map(quote).join(', ')})`
}
