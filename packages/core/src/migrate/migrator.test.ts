import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  createScratchDatabase,
  createTempDir,
  dumpSchema,
  type ScratchDatabase,
  TEST_ENGINES,
} from '@ledgerport/test-kit'
import { type Kysely, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connect, type DatabaseConnection } from '../db/connect.js'
import { tableExists } from '../engines/index.js'
import { checksumText } from './checksum.js'
import { FolderMigrationProvider } from './folder-migration-provider.js'
import { DEFAULT_MIGRATION_LOCK_TABLE, NO_MIGRATIONS } from './migration.js'
import { Migrator, type MigratorProps } from './migrator.js'

const CREATE_TRADES = `-- Description: trades table
-- migrate:up
CREATE TABLE trades (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL, qty TEXT NOT NULL);
CREATE INDEX idx_trades_symbol ON trades (symbol);
-- migrate:down
DROP TABLE trades;
`
const ADD_HYBRID_SL = `-- Description: Add hybrid SL columns
BEGIN TRANSACTION;
ALTER TABLE trades ADD COLUMN hybrid_sl_enabled BOOLEAN DEFAULT FALSE;
ALTER TABLE trades ADD COLUMN hybrid_sl_pips TEXT;
COMMIT;
`
const ROLLBACK_HYBRID_SL = `BEGIN TRANSACTION;
ALTER TABLE trades DROP COLUMN hybrid_sl_pips;
ALTER TABLE trades DROP COLUMN hybrid_sl_enabled;
COMMIT;
`
const ADD_SIGNALS_TS = `export const description = 'signals table'
export async function up(db) {
  await db.schema.createTable('signals').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('symbol', 'text').execute()
  await db.insertInto('signals').values({ id: 1, symbol: 'BTCUSDT' }).execute()
}
export async function down(db) {
  await db.schema.dropTable('signals').execute()
}
export async function verify(db) {
  const row = await db.selectFrom('signals').select('symbol').where('id', '=', 1).executeTakeFirst()
  return row?.symbol === 'BTCUSDT'
}
`

describe.each(TEST_ENGINES)('Migrator on %s', (engine) => {
  let database: ScratchDatabase
  let connection: DatabaseConnection
  let folder: string
  let cleanup: () => Promise<void>

  const migrator = (props: Partial<MigratorProps> = {}): Migrator =>
    new Migrator({
      connection,
      provider: new FolderMigrationProvider({ folder }),
      lockTimeoutMs: 5_000,
      ...props,
    })
  const write = async (file: string, text: string): Promise<void> => {
    await mkdir(join(folder, file, '..'), { recursive: true })
    await writeFile(join(folder, file), text)
  }
  const exists = (table: string): Promise<boolean> => tableExists(connection.db, connection.kind, table)
  const columns = async (table: string): Promise<string[]> => {
    const tables = await connection.db.introspection.getTables()
    return tables.find((t) => t.name === table)?.columns.map((c) => c.name) ?? []
  }
  const ledger = async (): Promise<Array<Record<string, unknown>>> =>
    connection.db.selectFrom('ledgerport_migrations').selectAll().orderBy('name').execute()

  beforeEach(async () => {
    database = await createScratchDatabase(engine)
    connection = await connect(database.url)
    const dir = await createTempDir()
    folder = join(dir.path, 'migrations')
    cleanup = dir.cleanup
    await write('001_create_trades.sql', CREATE_TRADES)
    await write('002_add_hybrid_sl.sql', ADD_HYBRID_SL)
    await write('rollback/002_rollback_hybrid_sl.sql', ROLLBACK_HYBRID_SL)
    await write('003_add_signals.ts', ADD_SIGNALS_TS)
  })

  afterEach(async () => {
    await connection.close()
    await database.drop()
    await cleanup()
  })

  it('applies every pending migration once, in order, and records each in the ledger', async () => {
    const first = await migrator().migrateToLatest()
    expect(first.error).toBeUndefined()
    expect(first.results.map((r) => [r.migrationName, r.direction, r.status])).toEqual([
      ['001_create_trades', 'Up', 'Success'],
      ['002_add_hybrid_sl', 'Up', 'Success'],
      ['003_add_signals', 'Up', 'Success'],
    ])
    expect(await columns('trades')).toEqual(['id', 'symbol', 'qty', 'hybrid_sl_enabled', 'hybrid_sl_pips'])
    const rows = await ledger()
    expect(rows.map((r) => r.name)).toEqual(['001_create_trades', '002_add_hybrid_sl', '003_add_signals'])
    expect(rows.map((r) => r.description)).toEqual(['trades table', 'Add hybrid SL columns', 'signals table'])
    for (const row of rows) {
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/)
      expect(String(row.applied_by)).toMatch(/@.+ pid \d+$/)
      expect(Number(row.execution_ms)).toBeGreaterThanOrEqual(0)
    }
    const second = await migrator().migrateToLatest()
    expect(second).toEqual({ results: [], warnings: [] })
  })

  it('goes up N, down N, to a name in either direction, and down to nothing', async () => {
    expect((await migrator().migrateUp(2)).results.map((r) => r.migrationName)).toEqual([
      '001_create_trades',
      '002_add_hybrid_sl',
    ])
    expect(await exists('signals')).toBe(false)
    const down = await migrator().migrateDown()
    expect(down.results).toMatchObject([
      { migrationName: '002_add_hybrid_sl', direction: 'Down', status: 'Success' },
    ])
    expect(await columns('trades')).toEqual(['id', 'symbol', 'qty'])
    const to = await migrator().migrateTo('003_add_signals')
    expect(to.results.map((r) => [r.migrationName, r.direction])).toEqual([
      ['002_add_hybrid_sl', 'Up'],
      ['003_add_signals', 'Up'],
    ])
    const back = await migrator().migrateTo('001_create_trades')
    expect(back.results.map((r) => [r.migrationName, r.direction])).toEqual([
      ['003_add_signals', 'Down'],
      ['002_add_hybrid_sl', 'Down'],
    ])
    const none = await migrator().migrateTo(NO_MIGRATIONS)
    expect(none.error).toBeUndefined()
    expect(await exists('trades')).toBe(false)
    expect(await ledger()).toEqual([])
  })

  it('leaves no partial schema when a migration fails, names the file and the SQL, and stops', async () => {
    await write(
      '004_broken.sql',
      'CREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n',
    )
    await write('005_after.sql', 'CREATE TABLE after_broken (id INTEGER);\n')
    const result = await migrator().migrateToLatest()
    expect(result.error?.message).toContain('004_broken.sql')
    expect(result.error?.message).toContain('INSERT INTO no_such_table VALUES (1)')
    expect(result.error?.file).toContain('004_broken.sql')
    expect(result.results.map((r) => r.status)).toEqual([
      'Success',
      'Success',
      'Success',
      'Error',
      'NotExecuted',
    ])
    expect(await exists('half_done')).toBe(false)
    expect(await exists('after_broken')).toBe(false)
    expect((await ledger()).map((r) => r.name)).toEqual([
      '001_create_trades',
      '002_add_hybrid_sl',
      '003_add_signals',
    ])
  })

  it('refuses an edited or deleted applied migration until repair accepts it', async () => {
    await migrator().migrateToLatest()
    await write('001_create_trades.sql', CREATE_TRADES.replace('qty TEXT', 'qty NUMERIC'))
    await write('004_more.sql', 'CREATE TABLE more_things (id INTEGER);')
    const refused = await migrator().migrateToLatest()
    expect(refused.error?.message).toMatch(
      /001_create_trades\.sql was edited after it was applied \(checksum [0-9a-f]{12} applied, [0-9a-f]{12} now\)/,
    )
    expect(await exists('more_things')).toBe(false)
    const list = await migrator().list()
    expect(list.migrations.find((m) => m.name === '001_create_trades')?.state).toBe('Changed')

    await rm(join(folder, '003_add_signals.ts'))
    expect((await migrator().list()).migrations.find((m) => m.name === '003_add_signals')?.state).toBe(
      'Missing',
    )
    const repaired = await migrator().repair()
    expect(repaired.results.map((r) => [r.migrationName, r.status])).toEqual([
      ['001_create_trades', 'Repaired'],
      ['003_add_signals', 'Repaired'],
    ])
    const after = await migrator().migrateToLatest()
    expect(after.error).toBeUndefined()
    expect(after.results.map((r) => r.migrationName)).toEqual(['004_more'])
  })

  it("takes an edit of an applied migration's rollback twin for an edit, and accepts ledgers from before", async () => {
    await migrator().migrateToLatest()
    const state = async () =>
      (await migrator().list()).migrations.find((m) => m.name === '002_add_hybrid_sl')?.state
    expect(await state()).toBe('Applied')
    await write('rollback/002_rollback_hybrid_sl.sql', ROLLBACK_HYBRID_SL.replace('hybrid', 'hybrid_v2'))
    expect(await state()).toBe('Changed')
    expect((await migrator().migrateToLatest()).error?.message).toContain('002_add_hybrid_sl.sql was edited')
    await write('rollback/002_rollback_hybrid_sl.sql', ROLLBACK_HYBRID_SL)
    expect(await state()).toBe('Applied')
    // A ledger row written when only the migration file itself was checksummed still matches.
    await connection.db
      .updateTable('ledgerport_migrations')
      .set({ checksum: checksumText(ADD_HYBRID_SL) })
      .where('name', '=', '002_add_hybrid_sl')
      .execute()
    expect(await state()).toBe('Applied')
    expect((await migrator().verify()).error).toBeUndefined()
  })

  it('fails a down before anything runs when a migration has no down', async () => {
    await write('004_irreversible.sql', 'CREATE TABLE one_way (id INTEGER);')
    await migrator().migrateToLatest()
    const before = await dumpSchema(database)
    const result = await migrator().migrateDown(2)
    expect(result.error?.message).toContain('004_irreversible.sql has no down migration')
    expect(await dumpSchema(database)).toBe(before)
  })

  it('refuses a pending migration that sorts before an applied one unless allowed', async () => {
    await rm(join(folder, '002_add_hybrid_sl.sql'))
    await migrator().migrateToLatest()
    await write('002_add_hybrid_sl.sql', ADD_HYBRID_SL)
    const refused = await migrator().migrateToLatest()
    expect(refused.error?.message).toContain('002_add_hybrid_sl sort before the applied 003_add_signals')
    const allowed = await migrator({ allowUnorderedMigrations: true }).migrateToLatest()
    expect(allowed.results.map((r) => r.migrationName)).toEqual(['002_add_hybrid_sl'])
  })

  it('plans by rehearsal and leaves the schema byte-identical', async () => {
    await migrator().migrateUp()
    const before = await dumpSchema(database)
    const plan = await migrator().plan()
    expect(plan.error).toBeUndefined()
    expect(plan.results.map((r) => r.migrationName)).toEqual(['002_add_hybrid_sl', '003_add_signals'])
    expect(plan.results[0]!.sql).toEqual([
      'ALTER TABLE trades ADD COLUMN hybrid_sl_enabled BOOLEAN DEFAULT FALSE',
      'ALTER TABLE trades ADD COLUMN hybrid_sl_pips TEXT',
    ])
    expect(plan.results[1]!.sql!.join('\n')).toMatch(/create table "signals"/)
    expect(await dumpSchema(database)).toBe(before)
    expect((await ledger()).map((r) => r.name)).toEqual(['001_create_trades'])
    const downPlan = await migrator().plan({ kind: 'to', name: NO_MIGRATIONS })
    expect(downPlan.results[0]!.sql).toEqual(['DROP TABLE trades'])
    expect(await dumpSchema(database)).toBe(before)
  })

  it('verifies checksums and runs each migration verify(db)', async () => {
    await migrator().migrateToLatest()
    const ok = await migrator().verify()
    expect(ok.error).toBeUndefined()
    expect(ok.results.map((r) => r.status)).toEqual(['Verified', 'Verified', 'Verified'])
    await connection.db.deleteFrom('signals').execute()
    const failed = await migrator().verify()
    expect(failed.error?.message).toContain('003_add_signals')
    expect(failed.results.find((r) => r.migrationName === '003_add_signals')).toMatchObject({
      status: 'VerifyFailed',
      message: 'verify(db) returned false',
    })
  })

  it('baselines an existing database from a seed-002 schema_migrations table', async () => {
    await sql
      .raw('CREATE TABLE trades (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL, qty TEXT NOT NULL)')
      .execute(connection.db)
    await sql
      .raw(
        'CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT, checksum TEXT, execution_time_ms INTEGER)',
      )
      .execute(connection.db)
    await sql
      .raw("INSERT INTO schema_migrations VALUES ('001', '2026-01-12 10:00:00', 'Initial schema', NULL, 12)")
      .execute(connection.db)
    const result = await migrator().baseline()
    expect(result.warnings).toEqual(['Imported 1 applied migrations from schema_migrations.'])
    expect(result.results).toMatchObject([{ migrationName: '001_create_trades', status: 'Baselined' }])
    const [row] = await ledger()
    expect(row).toMatchObject({ name: '001_create_trades', execution_ms: 12 })
    expect(
      new Date(
        String(row!.applied_at instanceof Date ? row!.applied_at.toISOString() : row!.applied_at),
      ).toISOString(),
    ).toBe('2026-01-12T10:00:00.000Z')
    const rest = await migrator().migrateToLatest()
    expect(rest.results.map((r) => r.migrationName)).toEqual(['002_add_hybrid_sl', '003_add_signals'])
  })

  it("baselines from a seed-004 schema_version table and from Kysely's kysely_migration table", async () => {
    await sql
      .raw('CREATE TABLE schema_version (version TEXT, applied_at TEXT, description TEXT)')
      .execute(connection.db)
    await sql
      .raw(
        "INSERT INTO schema_version VALUES ('1', '2024-05-01 00:00:00', 'Initial Schema'), ('2', '2024-06-01 00:00:00', 'hybrid sl')",
      )
      .execute(connection.db)
    const fromVersion = await migrator().baseline()
    expect(fromVersion.results.map((r) => r.migrationName)).toEqual([
      '001_create_trades',
      '002_add_hybrid_sl',
    ])

    const other = await createScratchDatabase(engine)
    const otherConnection = await connect(other.url)
    try {
      await sql
        .raw('CREATE TABLE kysely_migration (name VARCHAR(255) PRIMARY KEY, timestamp VARCHAR(255) NOT NULL)')
        .execute(otherConnection.db)
      await sql
        .raw("INSERT INTO kysely_migration VALUES ('001_create_trades', '2025-02-03T04:05:06.000Z')")
        .execute(otherConnection.db)
      const kysely = await new Migrator({
        connection: otherConnection,
        provider: new FolderMigrationProvider({ folder }),
      }).baseline()
      expect(kysely.results.map((r) => r.migrationName)).toEqual(['001_create_trades'])
      expect(kysely.warnings[0]).toContain('kysely_migration')
    } finally {
      await otherConnection.close()
      await other.drop()
    }
  })

  it('baselines through a named migration without running it', async () => {
    await sql
      .raw('CREATE TABLE trades (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL, qty TEXT NOT NULL)')
      .execute(connection.db)
    const result = await migrator().baseline('001_create_trades')
    expect(result.results).toMatchObject([{ migrationName: '001_create_trades', status: 'Baselined' }])
    expect((await migrator().baseline('nope')).error?.message).toContain('no migration named nope')
    expect((await migrator().migrateToLatest()).error).toBeUndefined()
  })

  it('runs a migration outside a transaction when it opts out', async () => {
    await write(
      '004_no_tx.sql',
      '-- migrate:up transaction:false\nCREATE TABLE outside (id INTEGER);\nINSERT INTO missing_table VALUES (1);\n',
    )
    const result = await migrator().migrateToLatest()
    expect(result.error?.message).toContain('except what it did outside a transaction')
    expect(await exists('outside')).toBe(true)
    expect((await ledger()).map((r) => r.name)).not.toContain('004_no_tx')
  })

  it('stops, keeping nothing of the migration, when its lease ran out and another process took the lock', async () => {
    const made = (table: string) => async (db: Kysely<any>) => {
      await db.schema.createTable(table).addColumn('id', 'integer').execute()
    }
    const provider = {
      getMigrations: async () => ({
        '001_slow': {
          up: async (db: Kysely<any>) => {
            await made('slow_made')(db)
            // Meanwhile its lease (SQLite/libSQL) expired and another process took the lock over.
            if (connection.kind !== 'postgres')
              await db.updateTable(DEFAULT_MIGRATION_LOCK_TABLE).set({ pid: 1, host: 'other-host' }).execute()
          },
        },
        '002_after': { up: made('after_made') },
      }),
    }
    const result = await new Migrator({ connection, provider, lockTimeoutMs: 5_000 }).migrateToLatest()
    if (connection.kind === 'postgres') {
      // An advisory lock lives as long as the session: there is no lease to lose.
      expect(result.error).toBeUndefined()
      return
    }
    expect(result.error?.message).toContain("The migration lock's lease")
    expect(result.error?.message).toContain('other-host')
    expect(result.results.map((r) => r.status)).toEqual(['Error', 'NotExecuted'])
    expect(await exists('slow_made')).toBe(false)
    expect(await exists('after_made')).toBe(false)
  })

  it('accepts any Kysely MigrationProvider', async () => {
    const provider = {
      getMigrations: async () => ({
        '2024_01_a': {
          up: async (db: Kysely<any>) => {
            await db.schema.createTable('kysely_made').addColumn('id', 'integer').execute()
          },
          down: async (db: Kysely<any>) => {
            await db.schema.dropTable('kysely_made').execute()
          },
        },
      }),
    }
    const result = await new Migrator({ connection, provider }).migrateToLatest()
    expect(result.results).toMatchObject([{ migrationName: '2024_01_a', status: 'Success' }])
    expect(await exists('kysely_made')).toBe(true)
    expect((await new Migrator({ connection, provider }).migrateDown()).error).toBeUndefined()
    expect(await exists('kysely_made')).toBe(false)
  })

  it('lists applied, pending, changed and missing migrations without creating anything', async () => {
    const list = await migrator().list()
    expect(list.migrations.map((m) => [m.name, m.state, m.reversible])).toEqual([
      ['001_create_trades', 'Pending', true],
      ['002_add_hybrid_sl', 'Pending', true],
      ['003_add_signals', 'Pending', true],
    ])
    expect(await exists('ledgerport_migrations')).toBe(false)
  })

  it('names the folder when it does not exist', async () => {
    const result = await new Migrator({
      connection,
      provider: new FolderMigrationProvider({ folder: join(folder, 'nope') }),
    }).migrateToLatest()
    expect(result.error?.message).toMatch(/Migrations folder .*nope does not exist/)
    expect(await readFile(join(folder, '001_create_trades.sql'), 'utf8')).toBe(CREATE_TRADES)
  })
})
