import { createScratchDatabase, type ScratchDatabase, TEST_ENGINES } from '@ledgerport/test-kit'
import { type Kysely, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connect, type DatabaseConnection } from '../db/connect.js'
import type { Migration } from './migration.js'
import { Migrator } from './migrator.js'
import { sqliteRebuildTable } from './sqlite-rebuild-table.js'

const SCHEMA = [
  'CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL)',
  `CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    symbol TEXT NOT NULL,
    qty TEXT NOT NULL,
    legacy_note TEXT
  )`,
  'CREATE INDEX idx_orders_symbol ON orders (symbol)',
  'CREATE INDEX idx_orders_note ON orders (legacy_note)',
  'CREATE TABLE order_audit (order_id INTEGER NOT NULL, symbol TEXT NOT NULL)',
  `CREATE TRIGGER trg_orders_audit AFTER INSERT ON orders
   BEGIN INSERT INTO order_audit (order_id, symbol) VALUES (NEW.id, NEW.symbol); END`,
  'CREATE TABLE fills (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id), price TEXT NOT NULL)',
  "INSERT INTO accounts (id, name) VALUES (1, 'main'), (2, 'hedge')",
  `INSERT INTO orders (id, account_id, symbol, qty, legacy_note) VALUES
    (1, 1, 'BTCUSDT', '0.00100000', 'a'), (2, 1, 'ETHUSDT', '1.50', NULL), (3, 2, 'XAUUSD', '0.01', 'c')`,
  "INSERT INTO fills (id, order_id, price) VALUES (10, 1, '64250.10'), (11, 1, '64250.20'), (12, 3, '2351.05')",
]

const NEW_ORDERS = `CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  symbol TEXT NOT NULL,
  qty TEXT NOT NULL
)`

const ENGINES = TEST_ENGINES.filter((engine) => engine === 'sqlite' || engine === 'libsql')

describe.each(ENGINES)('sqliteRebuildTable on %s', (engine) => {
  let database: ScratchDatabase
  let connection: DatabaseConnection

  const rows = async (query: string): Promise<Array<Record<string, unknown>>> =>
    (await sql.raw<Record<string, unknown>>(query).execute(connection.db)).rows
  const schemaObjects = async (): Promise<string[]> =>
    (
      await rows(
        "select type || ' ' || name as object from sqlite_master where tbl_name = 'orders' and sql is not null order by type, name",
      )
    ).map((row) => String(row.object))
  const migrator = (migrations: Record<string, Migration>): Migrator =>
    new Migrator({ connection, provider: { getMigrations: async () => migrations }, lockTimeoutMs: 5_000 })
  const setup: Migration = {
    async up(db: Kysely<any>) {
      for (const statement of SCHEMA) await sql.raw(statement).execute(db)
    },
  }

  beforeEach(async () => {
    database = await createScratchDatabase(engine)
    connection = await connect(database.url)
  })
  afterEach(async () => {
    await connection.close()
    await database.drop()
  })

  it('drops a column inside a migration and keeps rows, indexes, triggers and foreign keys', async () => {
    const dropNote: Migration = {
      async up(db: Kysely<any>) {
        await sqliteRebuildTable(db, { table: 'orders', createSql: NEW_ORDERS })
      },
    }
    const { error, results } = await migrator({
      '001_setup': setup,
      '002_drop_legacy_note': dropNote,
    }).migrateToLatest()
    expect(error).toBeUndefined()
    expect(results.map((r) => r.status)).toEqual(['Success', 'Success'])

    expect((await rows("select name from pragma_table_info('orders')")).map((r) => r.name)).toEqual([
      'id',
      'account_id',
      'symbol',
      'qty',
    ])
    expect(await rows('select id, account_id, symbol, qty from orders order by id')).toEqual([
      { id: 1, account_id: 1, symbol: 'BTCUSDT', qty: '0.00100000' },
      { id: 2, account_id: 1, symbol: 'ETHUSDT', qty: '1.50' },
      { id: 3, account_id: 2, symbol: 'XAUUSD', qty: '0.01' },
    ])
    // The index on the dropped column cannot come back; the other index and the trigger do.
    expect(await schemaObjects()).toEqual([
      'index idx_orders_symbol',
      'table orders',
      'trigger trg_orders_audit',
    ])
    expect(
      (await rows("select name from pragma_index_list('orders') where origin = 'c'")).map((r) => r.name),
    ).toEqual(['idx_orders_symbol'])
    expect(await rows('select count(*) as n from orders__ledgerport_new').catch(() => 'gone')).toBe('gone')

    // fills still references orders (by name), and nothing dangles.
    expect(await rows('select "table", "from", "to" from pragma_foreign_key_list(\'fills\')')).toEqual([
      { table: 'orders', from: 'order_id', to: 'id' },
    ])
    expect(await rows('PRAGMA foreign_key_check')).toEqual([])
    expect(await rows('select id, order_id, price from fills order by id')).toEqual([
      { id: 10, order_id: 1, price: '64250.10' },
      { id: 11, order_id: 1, price: '64250.20' },
      { id: 12, order_id: 3, price: '2351.05' },
    ])

    // The trigger still fires.
    await sql`insert into orders (id, account_id, symbol, qty) values (4, 2, 'EURUSD', '2')`.execute(
      connection.db,
    )
    expect(await rows('select order_id, symbol from order_audit order by order_id')).toEqual([
      { order_id: 1, symbol: 'BTCUSDT' },
      { order_id: 2, symbol: 'ETHUSDT' },
      { order_id: 3, symbol: 'XAUUSD' },
      { order_id: 4, symbol: 'EURUSD' },
    ])
  })

  it('works on a connection directly, with foreign keys enforced, and fills new columns', async () => {
    expect((await migrator({ '001_setup': setup }).migrateToLatest()).error).toBeUndefined()
    await sql`PRAGMA foreign_keys = ON`.execute(connection.db)
    await connection.db.transaction().execute(async (trx) => {
      await sqliteRebuildTable(trx, {
        table: 'orders',
        createSql: NEW_ORDERS.replace('qty TEXT NOT NULL', 'qty TEXT NOT NULL,\n  side TEXT NOT NULL'),
        columns: { side: "'buy'" },
      })
    })
    expect(await rows('select id, side from orders order by id')).toEqual([
      { id: 1, side: 'buy' },
      { id: 2, side: 'buy' },
      { id: 3, side: 'buy' },
    ])
    expect(await schemaObjects()).toEqual([
      'index idx_orders_symbol',
      'table orders',
      'trigger trg_orders_audit',
    ])
    expect(await rows('PRAGMA foreign_key_check')).toEqual([])
    // Foreign keys from fills to orders are still enforced.
    await expect(
      sql`insert into fills (id, order_id, price) values (13, 99, '1')`.execute(connection.db),
    ).rejects.toThrow(/FOREIGN KEY/i)
  })

  it('rolls the whole rebuild back when it would leave a dangling foreign key', async () => {
    expect((await migrator({ '001_setup': setup }).migrateToLatest()).error).toBeUndefined()
    const before = await schemaObjects()
    const renumber: Migration = {
      async up(db: Kysely<any>) {
        await sqliteRebuildTable(db, {
          table: 'orders',
          createSql: NEW_ORDERS,
          columns: { id: 'id + 100' },
        })
      },
    }
    const { error } = await migrator({ '001_setup': setup, '002_renumber': renumber }).migrateToLatest()
    expect(error?.message).toMatch(/sqliteRebuildTable\(orders\): 3 foreign key violation/)
    expect(await schemaObjects()).toEqual(before)
    expect((await rows("select name from pragma_table_info('orders')")).map((r) => r.name)).toContain(
      'legacy_note',
    )
    expect(await rows('select count(*) as n from orders')).toEqual([{ n: 3 }])
  })
})
