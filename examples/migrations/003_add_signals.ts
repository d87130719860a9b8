import type { Kysely } from 'kysely'

export const description = 'signals table, linked from trades'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('signals')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('confidence', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.alterTable('trades').addColumn('signal_id', 'integer').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('trades').dropColumn('signal_id').execute()
  await db.schema.dropTable('signals').execute()
}

export async function verify(db: Kysely<any>): Promise<boolean> {
  const tables = await db.introspection.getTables()
  return tables.some((table) => table.name === 'signals')
}
