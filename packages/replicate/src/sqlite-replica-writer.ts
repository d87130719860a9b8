import { type DatabaseConnection, describeTargetFault, quoteIdentifier as q } from '@ledgerport/core'
import { CompiledQuery, type Kysely, sql } from 'kysely'
import type { EncodedRows, ReplicaWriter } from './replica-writer.js'
import type { TablePlan } from './table-plan.js'

/** Bound parameters per statement: below SQLite's default limit of 32766. */
const MAX_PARAMETERS = 30_000
const MAX_ROWS_PER_STATEMENT = 500

/**
 * A SQLite or libSQL target: multi-row INSERTs (and `INSERT … ON CONFLICT` for changes) through the
 * connection. The primary key is part of `CREATE TABLE` (SQLite cannot add one later); unique
 * constraints and indexes come after the load, as indexes.
 */
export class SqliteReplicaWriter implements ReplicaWriter {
  readonly #connection: DatabaseConnection
  readonly #plan: TablePlan
  readonly #table: string
  readonly #state: string
  readonly #columns: ReadonlyArray<string>

  constructor(connection: DatabaseConnection, plan: TablePlan) {
    this.#connection = connection
    this.#plan = plan
    this.#table = q(plan.table.name)
    this.#state = q(plan.stateTable)
    this.#columns = plan.columns.map((column) => q(column.name))
  }

  async create(tx: Kysely<any>): Promise<void> {
    const plan = this.#plan
    const sameEngine = plan.source === 'sqlite'
    const autoincrement = plan.columns.find((column) => column.autoincrement)
    const definitions = plan.columns.map((column, index) => {
      const type = plan.targetTypes[index] ? ` ${plan.targetTypes[index]}` : ''
      const key = column === autoincrement ? ' PRIMARY KEY AUTOINCREMENT' : ''
      const notNull = column.notNull ? ' NOT NULL' : ''
      const defaultSql = sameEngine && column.defaultSql ? ` DEFAULT ${column.defaultSql}` : ''
      return `${q(column.name)}${type}${notNull}${key}${defaultSql}`
    })
    if (plan.key.length && !autoincrement)
      definitions.push(`PRIMARY KEY (${plan.table.primaryKey.map(q).join(', ')})`)
    const options = sameEngine && plan.table.tableOptions ? ` ${plan.table.tableOptions}` : ''
    await run(tx, `CREATE TABLE ${this.#table} (${definitions.join(', ')})${options}`)
    if (plan.key.length)
      await run(tx, `CREATE TABLE ${this.#state} (pk TEXT NOT NULL, row_hash TEXT NOT NULL)`)
  }

  async finish(tx: Kysely<any>): Promise<string[]> {
    const plan = this.#plan
    const warnings: string[] = []
    for (const index of plan.table.indexes) {
      if (plan.source === 'sqlite' && index.sql && !index.constraint) {
        await run(tx, index.sql)
      } else if (index.portable) {
        const columns = index.columns.map((c, i) => `${q(c)}${index.descending[i] ? ' DESC' : ''}`).join(', ')
        await run(
          tx,
          `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${q(index.name)} ON ${this.#table} (${columns})`,
        )
      } else {
        warnings.push(
          `${plan.table.name}: index ${index.name} (expressions or a WHERE clause) was not created.`,
        )
      }
    }
    if (plan.key.length)
      await run(tx, `CREATE UNIQUE INDEX ${q(`${plan.stateTable}_pk`)} ON ${this.#state} (pk)`)
    return warnings
  }

  async dropBookkeeping(db: Kysely<any>): Promise<void> {
    for (const name of [this.#plan.stateTable, this.#plan.stageTable, this.#plan.probeTable])
      await run(db, `DROP TABLE IF EXISTS ${q(name)}`)
  }

  async insert(tx: Kysely<any>, rows: EncodedRows): Promise<void> {
    await this.#insertRows(tx, this.#table, this.#columns, sqliteRows(rows), '')
  }

  async upsert(tx: Kysely<any>, rows: EncodedRows): Promise<void> {
    const keys = this.#plan.table.primaryKey
    const others = this.#plan.columns.filter((column) => !keys.includes(column.name))
    const action = others.length
      ? `DO UPDATE SET ${others.map((c) => `${q(c.name)} = excluded.${q(c.name)}`).join(', ')}`
      : 'DO NOTHING'
    await this.#insertRows(
      tx,
      this.#table,
      this.#columns,
      sqliteRows(rows),
      ` ON CONFLICT (${keys.map(q).join(', ')}) ${action}`,
    )
  }

  async insertState(
    tx: Kysely<any>,
    keys: ReadonlyArray<string>,
    hashes: ReadonlyArray<string>,
  ): Promise<void> {
    await this.#insertRows(tx, this.#state, ['pk', 'row_hash'], zip(keys, hashes), '')
  }

  async upsertState(
    tx: Kysely<any>,
    keys: ReadonlyArray<string>,
    hashes: ReadonlyArray<string>,
  ): Promise<void> {
    await this.#insertRows(
      tx,
      this.#state,
      ['pk', 'row_hash'],
      zip(keys, hashes),
      ' ON CONFLICT (pk) DO UPDATE SET row_hash = excluded.row_hash',
    )
  }

  async compare(
    db: Kysely<any>,
    keys: ReadonlyArray<string>,
    hashes: ReadonlyArray<string | undefined>,
  ): Promise<Map<string, boolean>> {
    const pairs = JSON.stringify(keys.map((key, index) => [key, hashes[index] ?? null]))
    const { rows } = await sql<{ pk: string; known: number }>`select k.pk, s.pk is not null as known
      from (select json_extract(value, '$[0]') as pk, json_extract(value, '$[1]') as row_hash
            from json_each(${pairs})) k
      left join ${sql.raw(this.#state)} s on s.pk = k.pk
      where s.row_hash is not k.row_hash`.execute(db)
    return new Map(rows.map((row) => [row.pk, Boolean(row.known)]))
  }

  async stateCount(db: Kysely<any>): Promise<number> {
    return count(db, this.#state)
  }

  async rowCount(db: Kysely<any>): Promise<number> {
    return count(db, this.#table)
  }

  async clear(tx: Kysely<any>): Promise<void> {
    await run(tx, `DELETE FROM ${this.#table}`)
  }

  async startProbe(db: Kysely<any>): Promise<void> {
    const probe = q(this.#plan.probeTable)
    const keys = this.#plan.key.map((column) => {
      const type = this.#plan.targetTypes[this.#plan.columns.indexOf(column)]
      return `${q(column.name)}${type ? ` ${type}` : ''}`
    })
    await run(db, `DROP TABLE IF EXISTS ${probe}`)
    await run(db, `CREATE TABLE ${probe} (${keys.join(', ')}, lp_key TEXT)`)
  }

  async appendProbe(db: Kysely<any>, rows: EncodedRows): Promise<void> {
    const columns = [...this.#plan.key.map((column) => q(column.name)), 'lp_key']
    await db
      .transaction()
      .execute((tx) => this.#insertRows(tx, q(this.#plan.probeTable), columns, sqliteRows(rows), ''))
  }

  async deleteMissing(tx: Kysely<any>): Promise<number> {
    const probe = q(this.#plan.probeTable)
    const keyList = this.#plan.key.map((column) => q(column.name)).join(', ')
    const match = this.#plan.key.map((column) => `p.${q(column.name)} = t.${q(column.name)}`).join(' AND ')
    await run(tx, `CREATE INDEX ${q(`${this.#plan.probeTable}_key`)} ON ${probe} (${keyList})`)
    await run(tx, `CREATE INDEX ${q(`${this.#plan.probeTable}_lp_key`)} ON ${probe} (lp_key)`)
    const before = await count(tx, this.#table)
    await run(
      tx,
      `DELETE FROM ${this.#table} AS t WHERE NOT EXISTS (SELECT 1 FROM ${probe} p WHERE ${match})`,
    )
    const after = await count(tx, this.#table)
    await run(
      tx,
      `DELETE FROM ${this.#state} AS s WHERE NOT EXISTS (SELECT 1 FROM ${probe} p WHERE p.lp_key = s.pk)`,
    )
    await run(tx, `DROP TABLE ${probe}`)
    return before - after
  }

  async syncSequences(): Promise<void> {}

  async transaction<T>(work: (tx: Kysely<any>) => Promise<T>): Promise<T> {
    // A controlled transaction, so the error that broke it is the one reported: when SQLite rolled back
    // by itself (SQLITE_FULL), the ROLLBACK that follows fails with `cannot rollback - no transaction
    // is active`, which would hide it.
    const trx = await this.#connection.db.startTransaction().execute()
    try {
      const result = await work(trx)
      await trx.commit().execute()
      return result
    } catch (error) {
      if (!trx.isCommitted)
        await trx
          .rollback()
          .execute()
          .catch(() => {})
      throw describeTargetFault(error, this.#connection.displayUrl)
    }
  }

  async #insertRows(
    tx: Kysely<any>,
    table: string,
    columns: ReadonlyArray<string>,
    rows: ReadonlyArray<ReadonlyArray<unknown>>,
    suffix: string,
  ): Promise<void> {
    if (rows.length === 0) return
    const perStatement = Math.max(
      1,
      Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMETERS / columns.length)),
    )
    const tuple = `(${columns.map(() => '?').join(', ')})`
    const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `
    const statement = (count: number): string =>
      `${head}${Array.from({ length: count }, () => tuple).join(', ')}${suffix}`
    const full = rows.length >= perStatement ? statement(perStatement) : ''
    for (let start = 0; start < rows.length; start += perStatement) {
      const group = rows.slice(start, start + perStatement)
      const text = group.length === perStatement ? full : statement(group.length)
      await tx.executeQuery(CompiledQuery.raw(text, group.flat()))
    }
  }
}

function sqliteRows(rows: EncodedRows): ReadonlyArray<ReadonlyArray<unknown>> {
  if (rows.engine !== 'sqlite') throw new TypeError('SQLite targets take value rows.')
  return rows.rows
}

function zip(keys: ReadonlyArray<string>, hashes: ReadonlyArray<string>): string[][] {
  return keys.map((key, index) => [key, hashes[index]!])
}

async function run(db: Kysely<any>, statement: string): Promise<void> {
  await sql.raw(statement).execute(db)
}

async function count(db: Kysely<any>, table: string): Promise<number> {
  const { rows } = await sql<{ n: number | bigint }>`select count(*) as n from ${sql.raw(table)}`.execute(db)
  return Number(rows[0]?.n ?? 0)
}
