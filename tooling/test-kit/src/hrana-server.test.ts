import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Client, Config } from '@libsql/client'
import { createClient, LibsqlError } from '@libsql/client'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { HranaServer, HranaServerOptions } from './hrana-server.js'
import { startHranaServer } from './hrana-server.js'

let dir: string
let dbPath: string
let server: HranaServer
const clients: Client[] = []

async function start(options: Partial<HranaServerOptions> = {}): Promise<HranaServer> {
  server = await startHranaServer({ dbPath, ...options })
  return server
}

function connect(config: Partial<Config> = {}): Client {
  const client = createClient({ url: server.url, ...config })
  clients.push(client)
  return client
}

async function count(client: Client, table: string): Promise<number> {
  const result = await client.execute(`SELECT count(*) AS n FROM ${table}`)
  return Number(result.rows[0]?.n)
}

/** Sends a raw Hrana pipeline request, for protocol features the client does not expose. */
async function pipeline(
  requests: unknown[],
  baton: string | null = null,
  version = 'v3',
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}/${version}/pipeline`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ baton, requests }),
  })
  return { status: response.status, body: await response.json() }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hrana-server-'))
  dbPath = join(dir, 'test.db')
})

afterEach(async () => {
  for (const client of clients.splice(0)) client.close()
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('startHranaServer with @libsql/client', () => {
  it('executes statements with positional and named arguments', async () => {
    await start()
    const client = connect()
    await client.execute('CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER)')

    const inserted = await client.execute({
      sql: 'INSERT INTO people (name, age) VALUES (?, ?)',
      args: ['Ada', 36],
    })
    expect(inserted.rowsAffected).toBe(1)
    expect(inserted.lastInsertRowid).toBe(1n)
    await client.execute({
      sql: 'INSERT INTO people (name, age) VALUES (:name, $age)',
      args: { name: 'Bob', age: 41 },
    })
    await client.execute({
      sql: 'INSERT INTO people (name, age) VALUES (@name, @age)',
      args: { '@name': 'Cy', '@age': 7 },
    })

    const result = await client.execute({
      sql: 'SELECT id, name, age FROM people WHERE age > ? ORDER BY id',
      args: [10],
    })
    expect(result.columns).toEqual(['id', 'name', 'age'])
    expect(result.columnTypes).toEqual(['INTEGER', 'TEXT', 'INTEGER'])
    expect(result.rows.map((row) => ({ ...row }))).toEqual([
      { id: 1, name: 'Ada', age: 36 },
      { id: 2, name: 'Bob', age: 41 },
    ])
    expect(result.rows[1]?.[1]).toBe('Bob')
    expect(result.rowsAffected).toBe(0)

    const updated = await client.execute('UPDATE people SET age = age + 1')
    expect(updated.rowsAffected).toBe(3)
    const returning = await client.execute("INSERT INTO people (name) VALUES ('Di') RETURNING id")
    expect(returning.rows[0]?.id).toBe(4)
    expect(returning.rowsAffected).toBe(1)
    expect(returning.lastInsertRowid).toBe(4n)
  })

  it('round-trips 64-bit integers, floats, text, blobs and nulls', async () => {
    await start()
    const client = connect({ intMode: 'bigint' })
    await client.execute('CREATE TABLE v (i INTEGER, f REAL, t TEXT, b BLOB, n)')
    const big = 2n ** 62n + 12345n
    const values = [
      [big, Math.PI, 'zürich ✓ 🚀', new Uint8Array([0, 1, 2, 254, 255]), null],
      [-(2n ** 63n), -0.5, '', new Uint8Array([]), null],
      [2n ** 63n - 1n, 1e300, "it's", new Uint8Array([42]), null],
    ] as const
    await client.batch(
      values.map((args) => ({ sql: 'INSERT INTO v VALUES (?, ?, ?, ?, ?)', args: [...args] })),
    )

    const result = await client.execute(
      'SELECT i, f, t, b, n, typeof(i) AS ti, typeof(f) AS tf FROM v ORDER BY rowid',
    )
    expect(result.rows).toHaveLength(3)
    result.rows.forEach((row, index) => {
      const [i, f, t, b] = values[index]!
      expect(row.i).toBe(i)
      expect(row.f).toBe(f)
      expect(row.t).toBe(t)
      expect(new Uint8Array(row.b as ArrayBuffer)).toEqual(b)
      expect(row.n).toBeNull()
      expect([row.ti, row.tf]).toEqual(['integer', 'real'])
    })

    const echoed = await client.execute({ sql: 'SELECT ? AS a, ? AS b, ? AS c', args: [big, 2.5, true] })
    expect(echoed.rows[0]?.a).toBe(big)
    expect(echoed.rows[0]?.b).toBe(2.5)
    expect(echoed.rows[0]?.c).toBe(1n)

    const numberClient = connect()
    await expect(numberClient.execute('SELECT i FROM v ORDER BY rowid LIMIT 1')).rejects.toThrow(RangeError)
  })

  it('reports SQLite errors as LibsqlError with Hrana codes', async () => {
    await start()
    const client = connect()
    await client.execute('CREATE TABLE u (id INTEGER PRIMARY KEY)')
    await client.execute('INSERT INTO u VALUES (1)')

    const constraint = await client.execute('INSERT INTO u VALUES (1)').catch((error: unknown) => error)
    expect(constraint).toBeInstanceOf(LibsqlError)
    expect((constraint as LibsqlError).code).toBe('SQLITE_CONSTRAINT')
    expect((constraint as LibsqlError).message).toMatch(/UNIQUE constraint failed: u\.id/)

    await expect(client.execute('SELEC 1')).rejects.toMatchObject({ code: 'SQLITE_ERROR' })
    await expect(client.execute('SELECT * FROM missing')).rejects.toThrow(/no such table: missing/)
    await expect(client.execute('SELECT 1; SELECT 2')).rejects.toMatchObject({ code: 'SQL_MANY_STATEMENTS' })
    await expect(client.execute({ sql: 'SELECT ?, ?', args: [1] })).rejects.toMatchObject({
      code: 'ARGS_INVALID',
    })
  })

  it('runs batch("write") atomically and rolls back when a statement fails', async () => {
    await start()
    const client = connect()
    await client.execute('CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)')

    const results = await client.batch(
      [
        { sql: 'INSERT INTO accounts VALUES (?, ?)', args: [1, 100] },
        { sql: 'INSERT INTO accounts VALUES (?, ?)', args: [2, 50] },
        'SELECT sum(balance) AS total FROM accounts',
      ],
      'write',
    )
    expect(results).toHaveLength(3)
    expect(results[0]?.rowsAffected).toBe(1)
    expect(results[2]?.rows[0]?.total).toBe(150)

    const failure = client.batch(
      [
        'UPDATE accounts SET balance = balance - 10 WHERE id = 1',
        'INSERT INTO accounts VALUES (3, 0)',
        'INSERT INTO accounts VALUES (1, 0)',
        'UPDATE accounts SET balance = balance + 10 WHERE id = 2',
      ],
      'write',
    )
    await expect(failure).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT', statementIndex: 2 })
    const rows = await client.execute('SELECT id, balance FROM accounts ORDER BY id')
    expect(rows.rows.map((row) => [row.id, row.balance])).toEqual([
      [1, 100],
      [2, 50],
    ])

    await client.migrate(['CREATE TABLE audit (id INTEGER PRIMARY KEY)', 'INSERT INTO audit VALUES (1)'])
    expect(await count(client, 'audit')).toBe(1)
  })

  it('commits interactive transactions, visible to another client only after commit', async () => {
    await start()
    const client = connect()
    const other = connect()
    await client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')

    const tx = await client.transaction('write')
    try {
      await tx.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: ['a'] })
      const [, inside] = await tx.batch(["INSERT INTO t (v) VALUES ('b')", 'SELECT count(*) AS n FROM t'])
      expect(inside?.rows[0]?.n).toBe(2)
      expect(await count(other, 't')).toBe(0)

      let otherWriteDone = false
      const otherWrite = other.execute("INSERT INTO t (v) VALUES ('from other')").then(() => {
        otherWriteDone = true
      })
      await sleep(50)
      expect(otherWriteDone).toBe(false)
      await tx.commit()
      await otherWrite
    } finally {
      tx.close()
    }
    expect(await count(other, 't')).toBe(3)
  })

  it('rolls back interactive transactions', async () => {
    await start()
    const client = connect()
    const other = connect()
    await client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')
    await client.execute("INSERT INTO t (v) VALUES ('kept')")

    const tx = await client.transaction('write')
    try {
      await tx.execute("INSERT INTO t (v) VALUES ('dropped')")
      await tx.execute("UPDATE t SET v = 'changed'")
      await tx.executeMultiple("INSERT INTO t (v) VALUES ('x'); INSERT INTO t (v) VALUES ('y');")
      expect((await tx.execute('SELECT count(*) AS n FROM t')).rows[0]?.n).toBe(4)
      await tx.rollback()
    } finally {
      tx.close()
    }
    const rows = await other.execute('SELECT v FROM t')
    expect(rows.rows.map((row) => row.v)).toEqual(['kept'])
  })

  it('rejects writes in read transactions', async () => {
    await start()
    const client = connect()
    await client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY)')
    const tx = await client.transaction('read')
    try {
      expect((await tx.execute('SELECT count(*) AS n FROM t')).rows[0]?.n).toBe(0)
      await expect(tx.execute('INSERT INTO t VALUES (1)')).rejects.toMatchObject({ code: 'SQLITE_READONLY' })
      await tx.commit()
    } finally {
      tx.close()
    }
    await client.execute('INSERT INTO t VALUES (1)')
    expect(await count(client, 't')).toBe(1)
  })

  it('runs scripts with executeMultiple', async () => {
    await start()
    const client = connect()
    await client.executeMultiple(`
      -- schema; with a trigger whose body contains semicolons
      CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE log (msg TEXT);
      CREATE TRIGGER items_log AFTER INSERT ON items BEGIN
        INSERT INTO log VALUES ('added ' || new.name);
      END;
      INSERT INTO items (name) VALUES ('a'), ('b');
    `)
    expect(await count(client, 'items')).toBe(2)
    expect((await client.execute('SELECT msg FROM log ORDER BY rowid')).rows.map((row) => row.msg)).toEqual([
      'added a',
      'added b',
    ])
    await expect(
      client.executeMultiple('INSERT INTO items (name) VALUES (1); INSERT INTO nope VALUES (1)'),
    ).rejects.toThrow(/no such table: nope/)
  })

  it('rejects requests without the right bearer token', async () => {
    await start({ authToken: 'sekret' })
    for (const authToken of [undefined, 'wrong']) {
      const error = await connect({ authToken })
        .execute('SELECT 1')
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(LibsqlError)
      expect(error).toMatchObject({ code: 'SERVER_ERROR', message: expect.stringMatching(/401/) })
    }
    const result = await connect({ authToken: 'sekret' }).execute('SELECT 42 AS answer')
    expect(result.rows[0]?.answer).toBe(42)
  })

  it('writes the data to the SQLite file', async () => {
    await start()
    const client = connect({ intMode: 'bigint' })
    await client.execute('CREATE TABLE ledger (seq INTEGER PRIMARY KEY, amount REAL, memo TEXT, raw BLOB)')
    const seq = 2n ** 60n + 7n
    await client.execute({
      sql: 'INSERT INTO ledger VALUES (?, ?, ?, ?)',
      args: [seq, 12.75, 'rent', new Uint8Array([9, 8, 7])],
    })
    const tx = await client.transaction('write')
    await tx.execute({ sql: 'INSERT INTO ledger VALUES (?, ?, ?, NULL)', args: [seq + 1n, -1.5, 'refund'] })
    await tx.commit()
    client.close()
    expect(server.requests).toBeGreaterThan(0)
    await server.close()

    const db = new Database(dbPath, { readonly: true })
    try {
      db.defaultSafeIntegers(true)
      expect(db.prepare('SELECT * FROM ledger ORDER BY seq').all()).toEqual([
        { seq, amount: 12.75, memo: 'rent', raw: Buffer.from([9, 8, 7]) },
        { seq: seq + 1n, amount: -1.5, memo: 'refund', raw: null },
      ])
    } finally {
      db.close()
    }
  })

  it('closes idle streams and rolls back their transactions', async () => {
    await start({ streamIdleTimeoutMs: 100 })
    const client = connect()
    const other = connect()
    await client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY)')
    const tx = await client.transaction('write')
    await tx.execute('INSERT INTO t VALUES (1)')
    await sleep(300)
    await expect(tx.execute('INSERT INTO t VALUES (2)')).rejects.toMatchObject({ code: 'STREAM_EXPIRED' })
    tx.close()
    await other.execute('INSERT INTO t VALUES (3)')
    expect((await other.execute('SELECT id FROM t')).rows.map((row) => row.id)).toEqual([3])
  })
})

describe('startHranaServer protocol details', () => {
  it('answers version probes like a JSON-only server', async () => {
    await start()
    expect((await fetch(`${server.url}/v2`)).status).toBe(200)
    expect((await fetch(`${server.url}/v3`)).status).toBe(200)
    expect((await fetch(`${server.url}/v3-protobuf`)).status).toBe(404)
  })

  it('keeps a stream across requests with a fresh baton each time', async () => {
    await start()
    const first = await pipeline([
      { type: 'store_sql', sql_id: 1, sql: 'SELECT ? AS x' },
      { type: 'execute', stmt: { sql: 'BEGIN' } },
      { type: 'get_autocommit' },
    ])
    expect(first.status).toBe(200)
    expect(first.body.results.map((r: any) => r.type)).toEqual(['ok', 'ok', 'ok'])
    expect(first.body.results[2].response).toEqual({ type: 'get_autocommit', is_autocommit: false })
    const baton = first.body.baton as string
    expect(baton).toEqual(expect.any(String))

    const second = await pipeline(
      [
        { type: 'execute', stmt: { sql_id: 1, args: [{ type: 'integer', value: '9007199254740993' }] } },
        { type: 'execute', stmt: { sql: 'SELECT nope' } },
        { type: 'execute', stmt: { sql: 'COMMIT' } },
        { type: 'get_autocommit' },
        { type: 'close_sql', sql_id: 1 },
      ],
      baton,
    )
    expect(second.body.baton).not.toBe(baton)
    const [execute, failed, , autocommit] = second.body.results
    expect(execute.response.result).toEqual({
      cols: [{ name: 'x', decltype: null }],
      rows: [[{ type: 'integer', value: '9007199254740993' }]],
      affected_row_count: 0,
      last_insert_rowid: '0',
    })
    expect(failed).toEqual({
      type: 'error',
      error: { message: 'SQLite error: no such column: nope', code: 'SQLITE_ERROR' },
    })
    expect(autocommit.response.is_autocommit).toBe(true)

    const reused = await pipeline([{ type: 'get_autocommit' }], baton)
    expect(reused.status).toBe(400)
    expect(reused.body.code).toBe('BATON_INVALID')

    const missingSql = await pipeline([{ type: 'execute', stmt: { sql_id: 1 } }], second.body.baton)
    expect(missingSql).toMatchObject({ status: 400, body: { code: 'SQL_NOT_FOUND' } })

    const closed = await pipeline([{ type: 'close' }])
    expect(closed.body).toEqual({
      baton: null,
      base_url: null,
      results: [{ type: 'ok', response: { type: 'close' } }],
    })
  })

  it('evaluates batch conditions', async () => {
    await start()
    const stmt = (sql: string) => ({ sql, want_rows: true })
    const { body } = await pipeline([
      {
        type: 'batch',
        batch: {
          steps: [
            { stmt: stmt('SELECT 1') },
            { stmt: stmt('SELECT * FROM missing') },
            { condition: { type: 'ok', step: 0 }, stmt: stmt('SELECT 2') },
            { condition: { type: 'ok', step: 1 }, stmt: stmt('SELECT 3') },
            { condition: { type: 'error', step: 1 }, stmt: stmt('SELECT 4') },
            {
              condition: {
                type: 'and',
                conds: [
                  { type: 'ok', step: 0 },
                  { type: 'not', cond: { type: 'ok', step: 1 } },
                ],
              },
              stmt: stmt('SELECT 5'),
            },
            {
              condition: {
                type: 'or',
                conds: [
                  { type: 'ok', step: 1 },
                  { type: 'ok', step: 3 },
                ],
              },
              stmt: stmt('SELECT 6'),
            },
            { condition: { type: 'is_autocommit' }, stmt: stmt('SELECT 7') },
          ],
        },
      },
    ])
    const { step_results, step_errors } = body.results[0].response.result
    const executed = step_results.map((r: any) => r?.rows[0][0].value ?? null)
    expect(executed).toEqual(['1', null, '2', null, '4', '5', null, '7'])
    expect(step_errors.map((e: any) => e?.code ?? null)).toEqual([
      null,
      'SQLITE_ERROR',
      null,
      null,
      null,
      null,
      null,
      null,
    ])

    const invalid = await pipeline([
      { type: 'batch', batch: { steps: [{ condition: { type: 'ok', step: 0 }, stmt: stmt('SELECT 1') }] } },
    ])
    expect(invalid.status).toBe(400)
  })

  it('describes statements', async () => {
    await start()
    await pipeline([{ type: 'sequence', sql: 'CREATE TABLE d (id INTEGER PRIMARY KEY, name TEXT)' }])
    const { body } = await pipeline([
      { type: 'describe', sql: "SELECT id, name AS n, ':no' FROM d WHERE id = ?2 OR name = :name OR id = ?" },
      { type: 'describe', sql: 'INSERT INTO d (name) VALUES (@n)' },
    ])
    expect(body.results[0].response.result).toEqual({
      params: [{ name: null }, { name: '?2' }, { name: ':name' }, { name: null }],
      cols: [
        { name: 'id', decltype: 'INTEGER' },
        { name: 'n', decltype: 'TEXT' },
        { name: "':no'", decltype: null },
      ],
      is_explain: false,
      is_readonly: true,
    })
    expect(body.results[1].response.result).toMatchObject({
      params: [{ name: '@n' }],
      cols: [],
      is_readonly: false,
    })
  })

  it('serves v3 cursors as JSON lines', async () => {
    await start()
    const response = await fetch(`${server.url}/v3/cursor`, {
      method: 'POST',
      body: JSON.stringify({
        baton: null,
        batch: {
          steps: [
            { stmt: { sql: 'SELECT 1 AS a UNION ALL SELECT 2' } },
            { stmt: { sql: 'SELECT nope' } },
            { condition: { type: 'ok', step: 1 }, stmt: { sql: 'SELECT 3' } },
          ],
        },
      }),
    })
    const lines = (await response.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines[0]).toEqual({ baton: expect.any(String), base_url: null })
    expect(lines.slice(1).map((entry) => entry.type)).toEqual([
      'step_begin',
      'row',
      'row',
      'step_end',
      'step_error',
    ])
    expect(lines[2].row).toEqual([{ type: 'integer', value: '1' }])
    expect(lines[5]).toMatchObject({ step: 1, error: { code: 'SQLITE_ERROR' } })
  })
})
