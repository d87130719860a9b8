import { createServer, type Socket } from 'node:net'
import { TEST_POSTGRES_URL } from '@ledgerport/test-kit'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../db/connect.js'
import { DEFAULT_CONNECT_TIMEOUT_MS, postgresTimeouts } from './timeouts.js'

describe('postgresTimeouts', () => {
  it('takes the option, else the URL parameter, else the default', () => {
    expect(postgresTimeouts('postgres://h/db', {})).toEqual({
      connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: 0,
    })
    expect(postgresTimeouts('postgres://h/db?connect_timeout=3&statement_timeout=250', {})).toEqual({
      connectTimeoutMs: 3000,
      statementTimeoutMs: 250,
    })
    expect(
      postgresTimeouts('postgres://h/db?connect_timeout=3', { connectTimeoutMs: 0, statementTimeoutMs: 9 }),
    ).toEqual({ connectTimeoutMs: 0, statementTimeoutMs: 9 })
  })

  it('names a URL parameter that is not a number', () => {
    expect(() => postgresTimeouts('postgres://h/db?connect_timeout=soon', {})).toThrow(
      'The PostgreSQL URL parameter connect_timeout=soon is not a non-negative number (seconds).',
    )
  })
})

describe('PostgreSQL connection time limits', () => {
  const sockets: Socket[] = []
  const silent = createServer((socket) => {
    socket.on('error', () => {})
    sockets.push(socket)
  })
  let silentUrl = ''

  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    silentUrl = `postgres://trader:pw-never-shown@127.0.0.1:${(silent.address() as { port: number }).port}/x`
  })

  afterAll(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => silent.close(resolve))
  })

  it('fails a connection to a server that never answers, naming it and the flag, and closes', async () => {
    const connection = await connect(silentUrl, { connectTimeoutMs: 300 })
    const error = await sql`select 1`.execute(connection.db).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(error?.message).toBe(
      'PostgreSQL at 127.0.0.1:' +
        (silent.address() as { port: number }).port +
        ' did not accept the connection within 0.3 s (connect timeout). Check that the server is up and the host and port are right, or raise --connect-timeout (0 waits forever).',
    )
    expect(error?.message).not.toContain('pw-never-shown')
    await connection.close()
  })

  it('close() returns even while a connection waits forever on a silent server', async () => {
    const connection = await connect(silentUrl, { connectTimeoutMs: 0 })
    const before = sockets.length
    const pending = sql`select 1`.execute(connection.db).catch((e: Error) => e)
    while (sockets.length === before) await new Promise((resolve) => setTimeout(resolve, 10))
    await connection.close()
    // The socket was cut: the waiting query ends with an error instead of hanging.
    expect(await pending).toBeInstanceOf(Error)
  })

  it('cancels a statement that runs longer than statementTimeoutMs, with a message naming the flag', async () => {
    const connection = await connect(TEST_POSTGRES_URL, { statementTimeoutMs: 200 })
    try {
      const error = await sql`select pg_sleep(5)`.execute(connection.db).then(
        () => undefined,
        (e: Error & { code?: string }) => e,
      )
      expect(error?.message).toMatch(
        /^A statement on PostgreSQL at 127\.0\.0\.1:5432 ran longer than 0\.2 s and was cancelled \(statement timeout\)\. Raise --statement-timeout/,
      )
      expect(error?.code).toBe('57014')
      const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(connection.db)
      expect(rows).toEqual([{ ok: 1 }])
    } finally {
      await connection.close()
    }
  })

  it('does not limit how long a query waits for a free pooled connection', async () => {
    // One connection, a 200 ms connect timeout, and a transaction that holds it for 600 ms: the second
    // query waits for the pool longer than the connect timeout and still runs.
    const connection = await connect(TEST_POSTGRES_URL, { poolSize: 1, connectTimeoutMs: 200 })
    try {
      const holder = connection.db.transaction().execute(async (tx) => {
        await sql`select pg_sleep(0.6)`.execute(tx)
      })
      await new Promise((resolve) => setTimeout(resolve, 50))
      const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(connection.db)
      await holder
      expect(rows).toEqual([{ ok: 1 }])
    } finally {
      await connection.close()
    }
  })

  it('survives a backend terminated mid-statement: the query fails with a clear message, no crash', async () => {
    const connection = await connect(TEST_POSTGRES_URL)
    const killer = await connect(TEST_POSTGRES_URL)
    try {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(connection.db)
      const running = sql`select pg_sleep(30)`.execute(connection.db).catch((e: Error) => e)
      await new Promise((resolve) => setTimeout(resolve, 200))
      await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(killer.db)
      const error = await running
      expect((error as Error).message).toMatch(
        /^The connection to PostgreSQL at 127\.0\.0\.1:5432 was closed/,
      )
      // A killed client that emits 'error' while checked out would crash a process without a listener.
    } finally {
      await connection.close()
      await killer.close()
    }
  })
})
