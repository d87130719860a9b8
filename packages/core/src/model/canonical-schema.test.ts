import { createScratchDatabase, type ScratchDatabase, TEST_ENGINES } from '@ledgerport/test-kit'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, type DatabaseConnection } from '../db/connect.js'
import { NO_MIGRATIONS, type ProvidedMigration } from '../migrate/migration.js'
import { Migrator } from '../migrate/migrator.js'
import { canonicalModelMigrations } from './canonical-schema.js'
import { COMMON_COLUMNS, ENTITIES, ENTITY_COLUMNS } from './entities.js'
import { canonicalId } from './ids.js'

const LEDGER_TABLES = [
  'ledgerport_runs',
  'ledgerport_checkpoints',
  'ledgerport_rejects',
  'ledgerport_journal',
  'ledgerport_source_digests',
  'ledgerport_deferred_indexes',
]
const MIGRATION_TABLE = 'ledgerport_model_migrations'

describe('canonicalModelMigrations', () => {
  it('pins migration 001 to the SQL it generates (checksum) and covers every column of ENTITY_COLUMNS', async () => {
    for (const kind of ['postgres', 'sqlite', 'libsql'] as const) {
      const migrations = await canonicalModelMigrations(kind).getMigrations()
      expect(Object.keys(migrations)).toEqual([
        '001_canonical_model',
        '002_source_digests',
        '003_users_firebase_uid',
      ])
      const migration = migrations['001_canonical_model'] as ProvidedMigration
      expect(migration.checksum).toMatch(/^[0-9a-f]{64}$/)
      const statements = Object.values(migrations).flatMap(
        (m) => (m as ProvidedMigration).statements?.up ?? [],
      )
      const creates = statements.filter((statement) => statement.startsWith('create table'))
      // A column added to ENTITY_COLUMNS needs a new migration: 001 must not change once applied.
      for (const entity of ENTITIES) {
        const create = creates.find((statement) => statement.startsWith(`create table "${entity}" (`))
        expect(create, `${entity} is created`).toBeDefined()
        for (const column of ENTITY_COLUMNS[entity]) {
          const added = statements.some((statement) =>
            statement.startsWith(`alter table "${entity}" add column "${column.name}" `),
          )
          if (!added)
            expect(create, `${entity}.${column.name} is created by a migration`).toContain(
              `"${column.name}" `,
            )
        }
      }
    }
    const sqlite = await canonicalModelMigrations('sqlite').getMigrations()
    const libsql = await canonicalModelMigrations('libsql').getMigrations()
    expect((libsql['001_canonical_model'] as ProvidedMigration).checksum).toBe(
      (sqlite['001_canonical_model'] as ProvidedMigration).checksum,
    )
  })
})

describe.each(TEST_ENGINES)('canonical model schema on %s', (engine) => {
  let database: ScratchDatabase
  let connection: DatabaseConnection
  let migrator: Migrator

  beforeAll(async () => {
    database = await createScratchDatabase(engine)
    connection = await connect(database.url)
    migrator = new Migrator({
      connection,
      provider: canonicalModelMigrations(connection.kind),
      migrationTableName: MIGRATION_TABLE,
      lockTimeoutMs: 5_000,
    })
    const result = await migrator.migrateToLatest()
    expect(result.error).toBeUndefined()
    expect(result.results.map((r) => [r.migrationName, r.status])).toEqual([
      ['001_canonical_model', 'Success'],
      ['002_source_digests', 'Success'],
      ['003_users_firebase_uid', 'Success'],
    ])
  })

  afterAll(async () => {
    await connection?.close()
    await database?.drop()
  })

  const tableColumns = async (): Promise<Map<string, string[]>> => {
    const tables = await connection.db.introspection.getTables()
    return new Map(tables.map((table) => [table.name, table.columns.map((column) => column.name)]))
  }
  const indexes = async (table: string): Promise<string[]> => {
    const { rows } =
      connection.kind === 'postgres'
        ? await sql<{
            name: string
          }>`select indexname as name from pg_indexes where tablename = ${table} order by indexname`.execute(
            connection.db,
          )
        : await sql<{
            name: string
          }>`select name from sqlite_master where type = 'index' and tbl_name = ${table} order by name`.execute(
            connection.db,
          )
    return rows.map((row) => row.name)
  }
  const insertOrder = (values: Record<string, unknown>) =>
    connection.db
      .insertInto('orders')
      .values({
        id: canonicalId('orders', 'test', String(values.source_key ?? 'o1')),
        source: 'test',
        source_key: 'o1',
        first_run_id: 'run-1',
        last_run_id: 'run-1',
        row_hash: 'h',
        symbol: 'BTCUSDT',
        side: 'buy',
        status: 'open',
        ...values,
      })
      .execute()

  it('creates every canonical table with the common columns first, then its own', async () => {
    const columns = await tableColumns()
    for (const entity of ENTITIES) {
      expect(columns.get(entity), entity).toEqual([
        ...COMMON_COLUMNS.map((column) => column.name),
        ...ENTITY_COLUMNS[entity].map((column) => column.name),
      ])
    }
  })

  it('creates the engine ledger tables with their exact columns', async () => {
    const columns = await tableColumns()
    expect(columns.get('ledgerport_runs')).toEqual([
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
    expect(columns.get('ledgerport_checkpoints')).toEqual([
      'source',
      'scope',
      'stream',
      'checkpoint',
      'complete',
      'run_id',
      'updated_at',
    ])
    expect(columns.get('ledgerport_rejects')).toEqual([
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
    expect(columns.get('ledgerport_journal')).toEqual([
      'id',
      'run_id',
      'entity',
      'row_id',
      'before',
      'created_at',
    ])
  })

  it('indexes every ref column, the run ids and the ledger lookups', async () => {
    const orderIndexes = await indexes('orders')
    for (const name of [
      'orders_user_id_idx',
      'orders_bot_id_idx',
      'orders_round_trip_id_idx',
      'orders_parent_order_id_idx',
      'orders_first_run_id_idx',
      'orders_last_run_id_idx',
    ])
      expect(orderIndexes).toContain(name)
    expect(await indexes('ledgerport_rejects')).toContain('ledgerport_rejects_run_id_idx')
    expect(await indexes('ledgerport_journal')).toEqual(
      expect.arrayContaining(['ledgerport_journal_run_id_idx', 'ledgerport_journal_entity_row_id_idx']),
    )
    for (const entity of ENTITIES) {
      const names = await indexes(entity)
      for (const column of ENTITY_COLUMNS[entity].filter((c) => c.type === 'ref'))
        expect(names).toContain(`${entity}_${column.name}_idx`)
    }
  })

  it('refuses a value outside a vocabulary, a missing required column and a duplicate source key', async () => {
    await expect(insertOrder({ source_key: 'bad-side', side: 'long' })).rejects.toThrow(/check constraint/i)
    await expect(insertOrder({ source_key: 'bad-status', status: 'partially_filled' })).rejects.toThrow(
      /check constraint/i,
    )
    await expect(insertOrder({ source_key: 'no-symbol', symbol: null })).rejects.toThrow(/not.null/i)
    await insertOrder({ source_key: 'dup', id: canonicalId('orders', 'test', 'dup-1') })
    await expect(
      insertOrder({ source_key: 'dup', id: canonicalId('orders', 'test', 'dup-2') }),
    ).rejects.toThrow(/unique/i)
  })

  it('stores decimals exactly, scale included', async () => {
    const price = '12345678901234567890123456789012345678.123456789'
    const id = canonicalId('orders', 'test', 'decimal')
    await insertOrder({
      id,
      source_key: 'decimal',
      price,
      quantity: '3900.00',
      leverage: '0.00000000000000000001',
    })
    const cast = connection.kind === 'postgres' ? sql.raw('::text') : sql.raw('')
    const { rows } = await sql<{
      price: string
      quantity: string
      leverage: string
    }>`select price${cast} as price, quantity${cast} as quantity, leverage${cast} as leverage from orders where id = ${id}`.execute(
      connection.db,
    )
    expect(rows).toEqual([{ price, quantity: '3900.00', leverage: '0.00000000000000000001' }])
    if (connection.kind === 'postgres') {
      // node-postgres returns NUMERIC as text: no JS number on the way back either.
      const row = await connection.db
        .selectFrom('orders')
        .select('price')
        .where('id', '=', id)
        .executeTakeFirst()
      expect(row?.price).toBe(price)
    }
  })

  it('stores instants with microseconds and the ledger rows the engine writes', async () => {
    const id = canonicalId('orders', 'test', 'instant')
    await insertOrder({ id, source_key: 'instant', placed_at: '2024-01-01T12:00:00.123456Z' })
    const expression =
      connection.kind === 'postgres'
        ? sql.raw(`to_char(placed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`)
        : sql.raw('placed_at')
    const { rows } = await sql<{
      placed_at: string
    }>`select ${expression} as placed_at from orders where id = ${id}`.execute(connection.db)
    expect(rows[0]?.placed_at).toBe('2024-01-01T12:00:00.123456Z')

    const json = (value: unknown) => JSON.stringify(value)
    const boolean = (value: boolean) => (connection.kind === 'postgres' ? value : value ? 1 : 0)
    const now = '2024-01-01T12:00:00Z'
    await connection.db
      .insertInto('ledgerport_runs')
      .values({
        id: 'run-1',
        source: 'json-files',
        target: 'sqlite',
        options: json({}),
        status: 'running',
        started_at: now,
      })
      .execute()
    await connection.db
      .insertInto('ledgerport_checkpoints')
      .values({
        source: 'json-files',
        scope: 'data',
        stream: 'trades_history',
        checkpoint: json({ index: 5 }),
        complete: boolean(false),
        run_id: 'run-1',
        updated_at: now,
      })
      .execute()
    for (const reason of ['first', 'second'])
      await connection.db
        .insertInto('ledgerport_rejects')
        .values({ run_id: 'run-1', source: 'json-files', reason, created_at: now })
        .execute()
    const rejects = await connection.db
      .selectFrom('ledgerport_rejects')
      .select(['id', 'reason'])
      .orderBy('id')
      .execute()
    expect(rejects.map((row) => [Number(row.id), row.reason])).toEqual([
      [1, 'first'],
      [2, 'second'],
    ])
    await connection.db
      .insertInto('ledgerport_journal')
      .values({
        run_id: 'run-1',
        entity: 'orders',
        row_id: id,
        before: json({ status: 'open' }),
        created_at: now,
      })
      .execute()
    const journal = await connection.db.selectFrom('ledgerport_journal').select(['id', 'row_id']).execute()
    expect(journal.map((row) => [Number(row.id), row.row_id])).toEqual([[1, id]])
    await expect(
      connection.db
        .insertInto('ledgerport_checkpoints')
        .values({
          source: 'json-files',
          scope: 'data',
          stream: 'trades_history',
          complete: boolean(true),
          run_id: 'run-2',
          updated_at: now,
        })
        .execute(),
    ).rejects.toThrow(/unique|primary key|duplicate/i)
  })

  it('passes verify, and goes down dropping everything it created', async () => {
    const verified = await migrator.verify()
    expect(verified.error).toBeUndefined()
    expect(verified.results.map((r) => r.status)).toEqual(['Verified', 'Verified', 'Verified'])

    const down = await migrator.migrateTo(NO_MIGRATIONS)
    expect(down.error).toBeUndefined()
    const left = [...(await tableColumns()).keys()]
    for (const table of [...ENTITIES, ...LEDGER_TABLES]) expect(left).not.toContain(table)
    const { rows } =
      connection.kind === 'postgres'
        ? await sql<{
            name: string
          }>`select indexname as name from pg_indexes where schemaname = 'public' and indexname like '%\\_idx'`.execute(
            connection.db,
          )
        : await sql<{
            name: string
          }>`select name from sqlite_master where type = 'index' and name like '%_idx'`.execute(connection.db)
    expect(rows).toEqual([])

    const again = await migrator.migrateToLatest()
    expect(again.error).toBeUndefined()
    expect([...(await tableColumns()).keys()]).toEqual(
      expect.arrayContaining([...ENTITIES, ...LEDGER_TABLES]),
    )
  })
})
