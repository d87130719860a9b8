import { join } from 'node:path'
import { canonicalJson, type PluginContext, type Source, type SourceBatch } from '@ledgerport/core'
import { describeSource } from '@ledgerport/core/testing'
import {
  type BybitV2PostgresFixture,
  createBybitV2Postgres,
  createBybitV2Sqlite,
  createPostgresDatabase,
  createTempDir,
} from '@ledgerport/test-kit'
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BybitV2Source, source } from './bybit-v2-source.js'
import { readOnlyPostgresUrl } from './v2-database.js'

const ALL_STREAMS = ['trading_sessions', 'signals', 'trades', 'orders', 'sltp_orders', 'bybit_trade_history']

function context(batchSize: number, warnings: string[] = []): PluginContext {
  return { timezone: 'UTC', batchSize, cwd: process.cwd(), warn: (message) => warnings.push(message) }
}

async function readAll(s: Source): Promise<SourceBatch[]> {
  const batches: SourceBatch[] = []
  for (const stream of await s.discover()) for await (const batch of s.read(stream)) batches.push(batch)
  return batches
}

const dir = await createTempDir('bybit-v2-source-')
const fullFile = join(dir.path, 'v2.db')
const minimalFile = join(dir.path, 'v2-minimal.db')
createBybitV2Sqlite(fullFile, { trades: 12 })
createBybitV2Sqlite(minimalFile, { trades: 6, variant: 'minimal' })
afterAll(() => dir.cleanup())

// Batches of 10 records: 2 trades a page, so every stream spans several checkpoints.
let hostileFiles = 0
describeSource('bybit-v2 (SQLite)', {
  create: () => source.create({ sourceUrl: `sqlite:${fullFile}` }, context(10)) as Promise<Source>,
  streams: ALL_STREAMS,
  // The hostile value in a signal's raw_data and a trade's ml_data (JSON text columns).
  hostile: async (input) => {
    const file = join(dir.path, `hostile-${++hostileFiles}.db`)
    createBybitV2Sqlite(file, { trades: 3 })
    const db = new Database(file)
    const json = `{"hostile":${input.json}}`
    db.prepare('update signals set raw_data = ? where id = 2').run(json)
    db.prepare('update trades set ml_data = ? where id = 3').run(json)
    db.close()
    return source.create({ sourceUrl: `sqlite:${file}` }, context(10)) as Promise<Source>
  },
})

describeSource('bybit-v2 (SQLite, without the optional tables and columns)', {
  create: () => source.create({ sourceUrl: `sqlite:${minimalFile}` }, context(7)) as Promise<Source>,
  streams: ['signals', 'trades', 'orders', 'bybit_trade_history'],
})

describe('bybit-v2 on PostgreSQL', () => {
  let fixture: BybitV2PostgresFixture
  beforeAll(async () => {
    fixture = await createBybitV2Postgres({ trades: 8, schema: 'bot v2' })
  })
  afterAll(() => fixture?.drop())

  describeSource('bybit-v2 (PostgreSQL, --source-schema)', {
    create: () =>
      source.create({ sourceUrl: fixture.url, sourceSchema: 'bot v2' }, context(12)) as Promise<Source>,
    streams: ALL_STREAMS,
  })

  it('opens PostgreSQL sessions read-only, with the settings that keep digits and times exact', async () => {
    const s = await BybitV2Source.open({ sourceUrl: fixture.url, sourceSchema: 'bot v2' }, context(100))
    try {
      const db = s.database.connection.db
      const setting = async (name: string) =>
        (await sql<{ v: string }>`select current_setting(${name}) as v`.execute(db)).rows[0]!.v
      expect(await setting('default_transaction_read_only')).toBe('on')
      expect(await setting('extra_float_digits')).toBe('3')
      expect(await setting('TimeZone')).toBe('UTC')
      expect(await setting('search_path')).toBe('"bot v2"')
      await expect(sql`delete from trades`.execute(db)).rejects.toThrow(/read-only transaction/)
    } finally {
      await s.close()
    }
  })

  it('never shows the password of --source-url', async () => {
    const url = new URL(fixture.url)
    url.username = 'postgres'
    url.password = 's3cret-pa55'
    const warnings: string[] = []
    const s = await source.create(
      { sourceUrl: url.toString(), sourceSchema: 'bot v2' },
      context(100, warnings),
    )
    try {
      const streams = await s.discover()
      const shown = canonicalJson([streams, warnings, await readAll(s)])
      expect(shown).not.toContain('s3cret-pa55')
      expect(streams[0]!.location).toContain(':***@')
    } finally {
      await s.close()
    }
    expect(source.options.sourceUrl.secret).toBe(true)
  })

  it('names the database (without its password) when it cannot be read', async () => {
    const s = await source.create({ sourceUrl: 'postgres://bot:pa55w0rd-x@127.0.0.1:1/v2' }, context(100))
    try {
      const error = await s.discover().then(
        () => undefined,
        (e: Error) => e,
      )
      expect(error?.message).toMatch(
        /^Cannot read the v2 database postgres:\/\/bot:\*\*\*@127\.0\.0\.1:1\/v2: /,
      )
      expect(error?.message).not.toContain('pa55w0rd-x')
    } finally {
      await s.close()
    }
  })

  it('says clearly when the database has no trades table', async () => {
    const empty = await createPostgresDatabase()
    try {
      const s = await source.create({ sourceUrl: empty.url }, context(100))
      try {
        await expect(s.discover()).rejects.toThrow(
          /has no trades table, so it is not a v2 Bybit bot database .*Check --source-url and --source-schema/,
        )
      } finally {
        await s.close()
      }
    } finally {
      await empty.drop()
    }
  })
})

describe('bybit-v2 on SQLite', () => {
  it('reports missing optional tables and columns as warnings, once', async () => {
    const warnings: string[] = []
    const s = await source.create({ sourceUrl: `sqlite:${minimalFile}` }, context(100, warnings))
    try {
      await s.discover()
      await s.discover()
    } finally {
      await s.close()
    }
    expect(warnings).toEqual([
      expect.stringMatching(
        /^The v2 table trading_sessions is missing from sqlite:.*v2-minimal\.db; nothing is read/,
      ),
      'The v2 table signals has no columns raw_data, processed_at; they are read as empty.',
      'The v2 table trades has no columns profit_probability, loss_probability, confidence, session_id, ml_data, user_id; they are read as empty.',
      'The v2 table orders has no columns sl_order_id, tp_order_id, is_sltp, parent_order_id; they are read as empty.',
      expect.stringMatching(/^The v2 table sltp_orders is missing from/),
    ])
  })

  it('says clearly when the database has no trades table', async () => {
    const file = join(dir.path, 'not-v2.db')
    new Database(file).exec('create table candles (id integer primary key, close real)').close()
    const s = await source.create({ sourceUrl: `sqlite:${file}` }, context(100))
    try {
      await expect(s.discover()).rejects.toThrow(
        `sqlite:${file} has no trades table, so it is not a v2 Bybit bot database (its tables are trading_sessions, signals, trades, orders, sltp_orders, bybit_trade_history). Check --source-url.`,
      )
    } finally {
      await s.close()
    }
  })

  it('opens the file read-only', async () => {
    const s = await BybitV2Source.open({ sourceUrl: `sqlite:${fullFile}` }, context(100))
    try {
      await expect(sql`delete from trades`.execute(s.database.connection.db)).rejects.toThrow(/readonly/)
    } finally {
      await s.close()
    }
  })

  it('fills batches with about batchSize records, and resumes only from its own checkpoints', async () => {
    const s = await source.create({ sourceUrl: `sqlite:${fullFile}` }, context(20))
    try {
      const batches = await readAll(s)
      expect(batches.length).toBeGreaterThan(6)
      for (const batch of batches) expect(batch.records.length).toBeLessThanOrEqual(20)
      const [trades] = (await s.discover()).filter((stream) => stream.name === 'trades')
      const iterator = s.read(trades!, 'somewhere')[Symbol.asyncIterator]()
      await expect(iterator.next()).rejects.toThrow(
        'The checkpoint "somewhere" of stream trades was not written by the bybit-v2 source; start a fresh run (--fresh).',
      )
      expect(await s.count!(trades!)).toBe(22)
    } finally {
      await s.close()
    }
  })

  it('refuses URLs of other engines, and --source-schema with SQLite', async () => {
    await expect(source.create({ sourceUrl: 'mongodb://localhost/bot' }, context(10))).rejects.toThrow(
      'The v2 database URL "mongodb://localhost/bot" is neither PostgreSQL (postgres://user@host/db) nor SQLite (sqlite:v2.db).',
    )
    await expect(
      source.create({ sourceUrl: `sqlite:${fullFile}`, sourceSchema: 'public' }, context(10)),
    ).rejects.toThrow('--source-schema only applies to PostgreSQL')
  })
})

describe('readOnlyPostgresUrl', () => {
  it('adds the session settings to options, keeping those the URL has', () => {
    const url = readOnlyPostgresUrl(
      'postgres://bot:pw@db:5432/v2?options=-c%20statement_timeout%3D5000',
      'my schema',
    )
    const options = new URL(url).searchParams.get('options')
    expect(options).toBe(
      '-c statement_timeout=5000 -c default_transaction_read_only=on -c extra_float_digits=3 -c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=postgres -c search_path="my\\ schema"',
    )
    expect(url.startsWith('postgres://bot:pw@db:5432/v2?')).toBe(true)
  })
})
