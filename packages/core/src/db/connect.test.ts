import { join } from 'node:path'
import { createPostgresDatabase, createTempDir } from '@ledgerport/test-kit'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { tableExists } from '../engines/index.js'
import { connect } from './connect.js'
import { redactUrl } from './connection-url.js'

describe('connect', () => {
  it('opens SQLite and libSQL files read-only when asked: reads work, writes are refused', async () => {
    const dir = await createTempDir()
    try {
      for (const scheme of ['sqlite', 'file'] as const) {
        const url = `${scheme}:${join(dir.path, `${scheme}.db`)}`
        const writer = await connect(url)
        await sql`create table t (id integer primary key)`.execute(writer.db)
        await sql`insert into t values (1)`.execute(writer.db)
        await writer.close()
        const reader = await connect(url, { readonly: true })
        try {
          expect((await sql<{ id: number }>`select id from t`.execute(reader.db)).rows).toEqual([{ id: 1 }])
          await expect(sql`insert into t values (2)`.execute(reader.db)).rejects.toThrow(
            /readonly|read-only|query_only|attempt to write/i,
          )
        } finally {
          await reader.close()
        }
      }
    } finally {
      await dir.cleanup()
    }
  })

  it("finds mixed-case PostgreSQL tables such as Freqtrade's KeyValueStore", async () => {
    const database = await createPostgresDatabase()
    const connection = await connect(database.url)
    try {
      await sql`create table "KeyValueStore" (id integer)`.execute(connection.db)
      expect(await tableExists(connection.db, 'postgres', 'KeyValueStore')).toBe(true)
      expect(await tableExists(connection.db, 'postgres', 'keyvaluestore')).toBe(false)
    } finally {
      await connection.close()
      await database.drop()
    }
  })

  it('redacts passwords and tokens', () => {
    expect(redactUrl('postgres://bot:s3cret@db/trading')).toBe('postgres://bot:***@db/trading')
    expect(redactUrl('libsql://x.turso.io?authToken=abc.def')).toBe('libsql://x.turso.io?authToken=***')
  })
})
