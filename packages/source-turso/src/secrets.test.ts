import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { parsePluginOptions } from '@ledgerport/core'
import {
  createTempDir,
  type HranaServer,
  startHranaServer,
  writeFreqtradeDatabase,
} from '@ledgerport/test-kit'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  copyToLibsql,
  createTarget,
  type LibsqlCopy,
  migrate,
  REAL_SERVER,
  readAll,
  type TestTarget,
  testContext,
} from './test/support.js'
import { source } from './turso-source.js'

/** Turso tokens are JWTs; this one is long enough that any copy of it would be found. */
const LOCAL_TOKEN = 'eyJhbGciOiJFZERTQSJ9.c2VjcmV0LXRva2VuLWZvci10ZXN0cw.SIGNATURE-9f3a71'

let dir: { path: string; cleanup(): Promise<void> }
let server: HranaServer | undefined
let real: LibsqlCopy | undefined
/** A database that needs a token, and the token. */
let protectedUrl: string
let token: string

/** `url` with `?authToken=…` (the form a seed's sync-config.json `tursoUrl` may take). */
const withToken = (url: string, value: string) => {
  const parsed = new URL(url)
  parsed.searchParams.set('authToken', value)
  return parsed.toString()
}

/** Everything a value holds, as text (bigints included), to search for a secret. */
const text = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v))

beforeAll(async () => {
  dir = await createTempDir('ledgerport-turso-secrets-')
  const fixture = writeFreqtradeDatabase(join(dir.path, 'bot.sqlite'), { schema: 'current', trades: 6 })
  if (REAL_SERVER?.authToken) {
    // Against a real server: its own token.
    real = await copyToLibsql(fixture.path, 'libsql-http')
    protectedUrl = real.url
    token = REAL_SERVER.authToken
  } else {
    const served = join(dir.path, 'served.db')
    copyFileSync(fixture.path, served)
    server = await startHranaServer({ dbPath: served, authToken: LOCAL_TOKEN })
    protectedUrl = server.url
    token = LOCAL_TOKEN
  }
})
afterAll(async () => {
  await server?.close()
  await real?.drop()
  await dir.cleanup()
})

describe('the auth token', () => {
  it('is a secret option read from TURSO_AUTH_TOKEN, redacted in what a run stores', () => {
    expect(source.options.authToken).toMatchObject({ secret: true, env: 'TURSO_AUTH_TOKEN' })
    const parsed = parsePluginOptions(source.options, { url: [protectedUrl] }, { TURSO_AUTH_TOKEN: token })
    expect(parsed.values.authToken).toEqual([token])
    expect(parsed.redacted.authToken).toBe('***')
    expect(parsed.secrets).toContain(token)
  })

  it('in the URL query reads the database, and appears in no location, record, reject or note', async () => {
    const url = withToken(protectedUrl, token)
    const read = await readAll((context) => source.create({ url: [url], botId: ['bot'] }, context))
    expect(read.records.length).toBeGreaterThan(20)
    expect(read.rejects.length).toBeGreaterThan(0)
    expect(read.locations[0]).toMatch(/[?&]authToken=\*\*\*/)
    expect(read.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/carries its auth token/)]))
    expect(text(read)).not.toContain(token)
  })

  it('appears nowhere in a target a run wrote', async () => {
    let target: TestTarget | undefined
    try {
      target = await createTarget('sqlite')
      const run = await migrate(target.target, { url: [withToken(protectedUrl, token)], botId: ['bot'] })
      expect(run.error).toBeUndefined()
      expect(run.totals.inserted).toBeGreaterThan(20)
      const path = target.target.connection.displayUrl.replace(/^sqlite:/, '')
      const db = new Database(path, { readonly: true })
      try {
        const tables = db
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
          .pluck()
          .all() as string[]
        for (const table of tables)
          expect(text(db.prepare(`SELECT * FROM "${table}"`).all()), table).not.toContain(token)
      } finally {
        db.close()
      }
    } finally {
      await target?.dispose()
    }
  })

  it('is needed: without it the stream fails with the server\u2019s answer and the URL', async () => {
    const opened = await source.create({ url: [protectedUrl], botId: ['bot'] }, testContext())
    try {
      const [stream] = await opened.discover()
      await expect(async () => {
        for await (const _ of opened.read(stream!)) void _
      }).rejects.toThrow(/401/)
    } finally {
      await opened.close()
    }
  })

  it('never shows in errors: a wrong token, a token for a server that is down, a bad URL', async () => {
    const wrong = `${token.slice(0, -6)}WRONG1`
    const target = await createTarget('sqlite')
    try {
      // The wrong token fails its bot's streams only; the error names the URL.
      const run = await migrate(target.target, { url: [protectedUrl], botId: ['bot'], authToken: [wrong] })
      const failed = run.results.filter((r) => r.status === 'Error')
      expect(failed.length).toBe(4)
      for (const result of failed) {
        expect(result.error).toMatch(/401/)
        expect(result.error).toContain(new URL(protectedUrl).host)
      }
      expect(text(run)).not.toContain(wrong)
    } finally {
      await target.dispose()
    }
    // Nothing listens on port 9 of 127.0.0.1 here: a connection error, with the token in the URL.
    const down = await source.create(
      { url: [withToken('http://127.0.0.1:9', token)], botId: ['down'] },
      testContext(),
    )
    try {
      const [stream] = await down.discover()
      let message = ''
      try {
        for await (const _ of down.read(stream!)) void _
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).toMatch(/^http:\/\/127\.0\.0\.1:9\/\?authToken=\*\*\*: /)
      expect(message).not.toContain(token)
    } finally {
      await down.close()
    }
    const bad = withToken('postgres://db.example.com/bot', token)
    expect(() => source.create({ url: [bad] }, testContext())).toThrow(/authToken=\*\*\*/)
    expect(() => source.create({ url: [bad] }, testContext())).not.toThrow(token)
    expect(() =>
      source.create(
        { url: [withToken('https://bot-1-a-acme.turso.io', token), protectedUrl] },
        testContext(),
      ),
    ).toThrow(/host names no database/)
    try {
      source.create(
        { url: [withToken('https://bot-1-a-acme.turso.io', token)], botId: ['a', 'b'] },
        testContext(),
      )
    } catch (error) {
      expect((error as Error).message).toMatch(/--bot-id names 2 bot/)
      expect((error as Error).message).not.toContain(token)
    }
  })
})
