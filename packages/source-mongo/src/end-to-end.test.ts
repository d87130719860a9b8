import { join } from 'node:path'
import {
  canonicalId,
  DataMigrator,
  type DataMigratorProps,
  type PluginContext,
  type Target,
  verifyData,
} from '@ledgerport/core'
import { target as postgresTarget } from '@ledgerport/target-postgres'
import { target as sqliteTarget } from '@ledgerport/target-sqlite'
import {
  createMongoDatabase,
  createTempDir,
  fixtureObjectId,
  MONGO_USER_IDS,
  type MongoTestDatabase,
  openTestTarget,
} from '@ledgerport/test-kit'
import { sql } from 'kysely'
import { MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MongoOptions } from './mongo-options.js'
import { source } from './mongo-source.js'
import { cleanUp, fixtureDatabase, fixtureExportDir } from './test-support.js'

type Engine = 'sqlite' | 'postgres'

/** A fresh target database on an engine, prepared; `drop()` closes and removes it. */
const openTarget = (engine: Engine) =>
  openTestTarget(engine, engine === 'postgres' ? postgresTarget : sqliteTarget)

afterAll(cleanUp)

const hex = (id: { toHexString(): string } | string) => (typeof id === 'string' ? id : id.toHexString())

describe.each<Engine>(['sqlite', 'postgres'])('mongo into %s', (engine) => {
  let target: Target
  let drop: () => Promise<void>
  let root: { path: string; cleanup(): Promise<void> }
  let url: string

  beforeAll(async () => {
    ;({ target, drop } = await openTarget(engine))
    root = await createTempDir()
    url = (await fixtureDatabase()).url
  })
  afterAll(async () => {
    await drop()
    await root.cleanup()
  })

  const migrate = async (
    options: MongoOptions,
    props: Partial<DataMigratorProps> & { batchSize?: number } = {},
  ) => {
    const warnings: string[] = []
    const context: PluginContext = {
      timezone: 'UTC',
      batchSize: props.batchSize ?? 4,
      cwd: root.path,
      warn: (message) => warnings.push(message),
    }
    const src = await source.create(options, context)
    try {
      const result = await new DataMigrator({
        source: src,
        sourceName: 'mongo',
        scope: JSON.stringify({ ...options, sourceUrl: options.sourceUrl ? '***' : undefined }),
        target,
        rejectsFile: join(root.path, 'rejects', `${engine}-${Math.random()}.jsonl`),
        secrets: options.sourceUrl ? [options.sourceUrl] : [],
        ...props,
      }).run()
      return { result, warnings }
    } finally {
      await src.close()
    }
  }

  /** `verifyData` of the mongo source with these options against the current target. */
  const verify = async (options: MongoOptions) => {
    const src = await source.create(options, {
      timezone: 'UTC',
      batchSize: 100,
      cwd: root.path,
      warn: () => {},
    })
    try {
      return await verifyData({ source: src, sourceName: 'mongo', target })
    } finally {
      await src.close()
    }
  }

  const counts = (result: Awaited<ReturnType<typeof migrate>>['result']) =>
    Object.fromEntries(
      result.results.map((r) => [
        r.stream,
        [r.status, r.read, r.inserted, r.updated, r.unchanged, r.duplicates, r.rejected].join(' '),
      ]),
    )

  it('lands every good document exactly, links snapshots to users, and records the rejects', async () => {
    const { result, warnings } = await migrate({ sourceUrl: url })
    expect(result.error).toBeUndefined()
    expect(counts(result)).toEqual({
      users: 'Success 14 8 0 0 0 6',
      portfoliosnapshots: 'Success 12 7 0 0 0 5',
    })
    expect(result.totals.naiveTimes).toBe(1)
    expect(warnings.filter((w) => w.includes('is not migrated'))).toHaveLength(2)
    const db = target.connection.db

    const users = await db
      .selectFrom('users')
      .select([
        'source_key',
        'external_id',
        'email',
        'name',
        'role',
        sql<string>`cast(paper_balance as text)`.as('balance'),
      ])
      .where('source', '=', 'mongo')
      .orderBy('source_key')
      .execute()
    expect(users).toHaveLength(8)
    const user = (id: { toHexString(): string } | string) => users.find((u) => u.external_id === hex(id))
    expect(user(MONGO_USER_IDS.meera)).toMatchObject({
      email: 'meera.nair@example.com',
      role: 'premium',
      balance: '123456789012345678.123456789012345',
    })
    expect(user(MONGO_USER_IDS.whale)!.balance).toBe('9007199254740993')
    expect(user(MONGO_USER_IDS.asha)!.balance).toBe('10000.00')
    expect(user(MONGO_USER_IDS.oldTimer)).toMatchObject({
      source_key: 'user:legacy-user-0007',
      balance: '5000',
    })
    expect(user(MONGO_USER_IDS.nulls)).toMatchObject({ name: null, role: null, balance: null })
    const whaleExtra = await db
      .selectFrom('users')
      .select(sql<string>`cast(extra as text)`.as('extra'))
      .where('external_id', '=', hex(MONGO_USER_IDS.whale))
      .executeTakeFirstOrThrow()
    // Int64 max inside JSON keeps every digit, in JSONB and in TEXT.
    expect(whaleExtra.extra).toMatch(/"tradeCount": ?9223372036854775807[,}]/)

    const snapshots = await db
      .selectFrom('portfolio_snapshots')
      .select([
        'source_key',
        'user_id',
        sql<string>`cast(total_value as text)`.as('total'),
        sql<string>`cast(cash as text)`.as('cash'),
        'taken_at',
        'holdings',
      ])
      .where('source', '=', 'mongo')
      .orderBy('source_key')
      .execute()
    expect(snapshots).toHaveLength(7)
    const snapshot = (n: number) =>
      snapshots.find((s) => s.source_key === `snapshot:${hex(fixtureObjectId('2025-03-01T10:00:00Z', n))}`)!
    const userId = (id: { toHexString(): string } | string) =>
      canonicalId('users', 'mongo', `user:${hex(id)}`)
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => snapshot(n).user_id)).toEqual([
      userId(MONGO_USER_IDS.asha),
      userId(MONGO_USER_IDS.ravi),
      userId(MONGO_USER_IDS.meera),
      userId(MONGO_USER_IDS.asha),
      userId(MONGO_USER_IDS.kiran),
      null,
      userId(MONGO_USER_IDS.oldTimer),
    ])
    // Every linked user is a row of this run.
    const ids = new Set((await db.selectFrom('users').select('id').execute()).map((u) => u.id))
    expect(snapshots.every((s) => s.user_id === null || ids.has(s.user_id))).toBe(true)
    expect(snapshot(3)).toMatchObject({ total: '1234567890123456.123456789', cash: '0.000000000000000001' })
    expect(snapshot(5).total).toBe('9007199254740993')
    expect(new Date(snapshot(3).taken_at as string).toISOString()).toBe('2025-03-01T10:00:00.000Z')
    const holdings =
      typeof snapshot(1).holdings === 'string' ? JSON.parse(snapshot(1).holdings) : snapshot(1).holdings
    expect(holdings[0]).toEqual({
      symbol: 'BTCUSDT',
      quantity: { $numberDecimal: '0.0123' },
      avgPrice: 86262.3,
      currentPrice: 88000.1,
      value: { $numberDecimal: '1082.40' },
    })

    const rejects = await db
      .selectFrom('ledgerport_rejects')
      .select(['stream', 'table_name', 'record_key', 'field', 'reason'])
      .where('run_id', '=', result.runId)
      .orderBy('id')
      .execute()
    expect(rejects.map((r) => [r.stream, r.field])).toEqual([
      ['users', 'email'],
      ['users', 'email'],
      ['users', 'paperBalance'],
      ['users', 'paperBalance'],
      ['users', 'email'],
      ['users', 'paperBalance'],
      ['portfoliosnapshots', 'totalValue'],
      ['portfoliosnapshots', 'timestamp'],
      ['portfoliosnapshots', 'timestamp'],
      ['portfoliosnapshots', 'userId'],
      ['portfoliosnapshots', 'totalValue'],
    ])
    const lots = `_id=ObjectId("${hex(fixtureObjectId('2024-06-01T00:00:00Z', 103))}")`
    expect(rejects[2]).toEqual({
      stream: 'users',
      table_name: 'users',
      record_key: lots,
      field: 'paperBalance',
      reason: `users ${lots} paperBalance: "lots" is not a money amount; expected a paper balance`,
    })
  })

  it('is idempotent: a second run changes nothing', async () => {
    const { result } = await migrate({ sourceUrl: url })
    expect(result.error).toBeUndefined()
    expect(result.resumed).toBe(false)
    expect(counts(result)).toEqual({
      users: 'Success 14 0 0 8 0 6',
      portfoliosnapshots: 'Success 12 0 0 7 0 5',
    })
  })

  it('gives the very same rows from mongoexport files (relaxed and canonical): nothing to update', async () => {
    for (const mode of ['relaxed', 'canonical'] as const) {
      const { result } = await migrate({
        exportDir: await fixtureExportDir({ mode, layout: 'pretty-array' }),
      })
      expect(result.error).toBeUndefined()
      expect(counts(result)).toEqual({
        users: 'Success 14 0 0 8 0 6',
        portfoliosnapshots: 'Success 12 0 0 7 0 5',
      })
    }
  })

  it('verifies: counts and checksums match, against the server and against the files', async () => {
    for (const options of [{ sourceUrl: url }, { exportDir: await fixtureExportDir() }]) {
      const verified = await verify(options)
      expect(verified.error).toBeUndefined()
      expect(verified.entities.map((e) => [e.entity, e.sourceCount, e.targetCount, e.ok])).toEqual([
        ['users', 8, 8, true],
        ['portfolio_snapshots', 7, 7, true],
      ])
      expect(verified.rejected).toBe(11)
      expect(verified.ok).toBe(true)
    }
  })

  /**
   * Runs `test` with `target` switched to a fresh target of this engine, and with a scratch MongoDB
   * database when `withDatabase` (both dropped afterwards).
   */
  const inScratchTarget = async (test: (db: MongoTestDatabase) => Promise<void>, withDatabase = true) => {
    const other = await openTarget(engine)
    const previous = target
    target = other.target
    const db = withDatabase ? await createMongoDatabase() : undefined
    try {
      await test(db!)
    } finally {
      await db?.drop()
      target = previous
      await other.drop()
    }
  }

  it('syncs users edited in place on a server, and reads an unchanged users collection no further', async () => {
    await inScratchTarget(async (db) => {
      const client = new MongoClient(db.url)
      try {
        const ids = [0, 1, 2].map((n) => fixtureObjectId('2025-01-01T00:00:00Z', n))
        await db.insert(
          'users',
          ids.map((_id, n) => ({ _id, email: `user${n}@example.com`, name: `User ${n}` })),
        )
        const options = { sourceUrl: db.url, collections: ['users'] }
        expect(counts((await migrate(options)).result)).toEqual({ users: 'Success 3 3 0 0 0 0' })
        expect(counts((await migrate(options, { incremental: true })).result)).toEqual({
          users: 'Success 0 0 0 0 0 0',
        })
        // An edit of the oldest user, which no checkpoint by _id could see.
        const users = client.db(db.name).collection('users')
        await users.deleteOne({ _id: ids[0] })
        await users.insertOne({ _id: ids[0]!, email: 'user0@example.org', name: 'User 0' })
        expect(counts((await migrate(options, { incremental: true })).result)).toEqual({
          users: 'Success 3 0 1 2 0 0',
        })
        const row = await target.connection.db
          .selectFrom('users')
          .select('email')
          .where('source_key', '=', `user:${hex(ids[0]!)}`)
          .executeTakeFirstOrThrow()
        expect(row.email).toBe('user0@example.org')
        expect(counts((await migrate(options, { incremental: true })).result)).toEqual({
          users: 'Success 0 0 0 0 0 0',
        })
      } finally {
        await client.close()
      }
    })
  })

  it('verifies references to users: a snapshot whose user was rejected is an orphan', async () => {
    await inScratchTarget(async (db) => {
      const [kept, rejected] = [0, 1].map((n) => fixtureObjectId('2025-01-01T00:00:00Z', n))
      await db.insert('users', [
        { _id: kept, email: 'kept@example.com' },
        { _id: rejected, name: 'No Email' },
      ])
      await db.insert(
        'portfoliosnapshots',
        [kept, rejected].map((userId, n) => ({
          _id: fixtureObjectId('2025-02-01T00:00:00Z', n),
          userId,
          totalValue: '100.5',
          timestamp: new Date(Date.UTC(2025, 1, 1)),
        })),
      )
      const options = { sourceUrl: db.url }
      const { result } = await migrate(options)
      expect(result.totals.rejected).toBe(1)
      const verified = await verify(options)
      expect(verified.orphans).toContainEqual(
        expect.objectContaining({
          check: 'portfolio_snapshots.user_id → users',
          count: 1,
          examples: [expect.any(String)],
        }),
      )
      expect(verified.ok).toBe(false)
    })
  })

  it('resumes a stopped run from its checkpoint without losing or doubling a row', async () => {
    await inScratchTarget(async () => {
      const stop = new AbortController()
      const first = await migrate(
        { sourceUrl: url },
        { batchSize: 3, signal: stop.signal, onProgress: (progress) => progress.read >= 6 && stop.abort() },
      )
      expect(first.result.error?.message).toContain('Stopped before the end')
      expect(first.result.totals.read).toBe(6)
      const second = await migrate({ sourceUrl: url }, { batchSize: 3 })
      expect(second.result.resumed).toBe(true)
      expect(second.result.error).toBeUndefined()
      expect(second.result.totals.read).toBe(26 - 6)
      expect(first.result.totals.inserted + second.result.totals.inserted).toBe(15)
      expect(first.result.totals.rejected + second.result.totals.rejected).toBe(11)
      const rows = await target.connection.db
        .selectFrom('users')
        .select(sql<number>`count(*)`.as('n'))
        .where('source', '=', 'mongo')
        .executeTakeFirstOrThrow()
      expect(Number(rows.n)).toBe(8)
    }, false)
  })
})
