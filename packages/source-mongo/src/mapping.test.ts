import { normalizeRecord, type Reject } from '@ledgerport/core'
import {
  fixtureObjectId,
  MONGO_FIXTURE_COUNTS,
  MONGO_USER_IDS,
  type MongoExportLayout,
} from '@ledgerport/test-kit'
import { Decimal128, Int32, ObjectId } from 'mongodb'
import { afterAll, describe, expect, it } from 'vitest'
import { mapUser } from './map-user.js'
import {
  cleanUp,
  fixtureDatabase,
  fixtureExportDir,
  openSource,
  readStream,
  type StreamRead,
  testContext,
} from './test-support.js'

afterAll(cleanUp)

const hex = (id: ObjectId | string) => (typeof id === 'string' ? id : id.toHexString())
const userRef = (id: ObjectId | string) => ({ ref: 'users', sourceKey: `user:${hex(id)}` })

async function fromServer(timezone = 'UTC') {
  const db = await fixtureDatabase()
  const context = testContext([], { timezone })
  const src = await openSource({ sourceUrl: db.url }, context)
  try {
    return {
      users: await readStream(src, 'users'),
      snapshots: await readStream(src, 'portfoliosnapshots'),
      warnings: context.warnings,
    }
  } finally {
    await src.close()
  }
}

/** A reject's reason without the location that starts it (`users _id=…`, `export/users.json line 3 (_id=…)`). */
function issuesOf(reject: Reject): string {
  const { file, path, table, key } = reject.location
  const label = file ? `${file} ${path}${key ? ` (${key})` : ''}` : `${table} ${key}`
  expect(reject.reason.startsWith(`${label} `)).toBe(true)
  return reject.reason.slice(label.length + 1)
}

/** What must be the same whichever way the documents were read: records without location, rejects without it. */
function comparable(read: StreamRead) {
  return {
    records: read.records.map(({ location: _location, ...record }) => record),
    rejects: read.rejects.map((reject) => [reject.field, reject.location.key, issuesOf(reject), reject.raw]),
  }
}

describe('users → users', () => {
  it('maps each user: _id hex as external_id, email, name, role, an exact paper balance, the firebase uid, the rest in extra', async () => {
    const { users } = await fromServer()
    expect(users.records.map((r) => [r.sourceKey, r.values])).toEqual([
      [
        'user:legacy-user-0007',
        {
          external_id: 'legacy-user-0007',
          email: 'old.timer@example.net',
          name: 'Old Timer',
          role: 'user',
          paper_balance: '5000',
          firebase_uid: undefined,
        },
      ],
      [
        `user:${hex(MONGO_USER_IDS.kiran)}`,
        {
          external_id: hex(MONGO_USER_IDS.kiran),
          email: 'kiran@example.org',
          name: 'Kiran Rao',
          role: undefined,
          paper_balance: '10000.00',
          firebase_uid: 'fb_legacy_kiran',
        },
      ],
      [
        `user:${hex(MONGO_USER_IDS.asha)}`,
        {
          external_id: hex(MONGO_USER_IDS.asha),
          email: 'asha.verma@example.com',
          name: 'Asha Verma',
          role: 'admin',
          paper_balance: '10000.00',
          firebase_uid: 'fb_Wq3asha9',
        },
      ],
      [
        `user:${hex(MONGO_USER_IDS.ravi)}`,
        expect.objectContaining({ paper_balance: '9875.5', role: 'user' }),
      ],
      [
        `user:${hex(MONGO_USER_IDS.meera)}`,
        expect.objectContaining({ paper_balance: '123456789012345678.123456789012345', role: 'premium' }),
      ],
      [`user:${hex(MONGO_USER_IDS.whale)}`, expect.objectContaining({ paper_balance: '9007199254740993' })],
      [
        `user:${hex(MONGO_USER_IDS.ashaAgain)}`,
        expect.objectContaining({ email: 'Asha.Verma@Example.com', paper_balance: '10000' }),
      ],
      [
        `user:${hex(MONGO_USER_IDS.nulls)}`,
        {
          external_id: hex(MONGO_USER_IDS.nulls),
          email: 'nulls@example.com',
          name: undefined,
          role: undefined,
          paper_balance: undefined,
          firebase_uid: undefined,
        },
      ],
    ])
    const byKey = new Map(users.records.map((r) => [r.sourceKey, r]))
    expect(byKey.get(`user:${hex(MONGO_USER_IDS.asha)}`)!.extra).toEqual({
      settings: { theme: 'dark', defaultExchange: 'bybit', notifications: { email: true, telegram: false } },
      exchanges: [{ name: 'bybit', testnet: true, connectedAt: { $date: '2024-01-05T09:05:00Z' } }],
      apiKeyId: { $uuid: 'c8edabc3-f738-4ca3-b68d-ab92a91478a3' },
      createdAt: { $date: '2024-01-05T09:00:00.123Z' },
      updatedAt: { $date: '2025-03-01T11:30:01Z' },
      __v: 0,
    })
    // The 2023 schema: what no column takes stays as it was, naive text included.
    expect(byKey.get(`user:${hex(MONGO_USER_IDS.kiran)}`)!.extra).toEqual({
      created_at: '2023-06-01 08:15:00',
    })
    // Int64 beyond 2^53 keeps every digit; a date before 1970 keeps its $numberLong form.
    expect(byKey.get(`user:${hex(MONGO_USER_IDS.whale)}`)!.extra).toMatchObject({
      tradeCount: 9223372036854775807n,
      accountOpenedAt: { $date: { $numberLong: '-1000' } },
    })
    expect(byKey.get(`user:${hex(MONGO_USER_IDS.nulls)}`)!.extra).toEqual({
      createdAt: { $date: '2024-05-05T05:05:05Z' },
    })
    for (const record of users.records)
      expect(normalizeRecord(record, { timeZone: 'UTC' }).issues).toEqual([])
  })

  it('rejects users without an email or with a balance that is no number, naming collection, _id and field', async () => {
    const { users } = await fromServer()
    const ugly = (n: number) => `ObjectId("${fixtureObjectId('2024-06-01T00:00:00Z', n).toHexString()}")`
    expect(users.rejects.map((r) => [r.location, r.field, r.reason])).toEqual([
      [
        { table: 'users', key: `_id=${ugly(101)}` },
        'email',
        `users _id=${ugly(101)} email: is missing; every document needs an email`,
      ],
      [
        { table: 'users', key: `_id=${ugly(102)}` },
        'email',
        `users _id=${ugly(102)} email: is missing; every document needs an email`,
      ],
      [
        { table: 'users', key: `_id=${ugly(103)}` },
        'paperBalance',
        `users _id=${ugly(103)} paperBalance: "lots" is not a money amount; expected a paper balance`,
      ],
      [
        { table: 'users', key: `_id=${ugly(104)}` },
        'paperBalance',
        `users _id=${ugly(104)} paperBalance: NaN is not a number (a double NaN); expected a paper balance`,
      ],
      [
        { table: 'users', key: `_id=${ugly(105)}` },
        'email',
        `users _id=${ugly(105)} email: 42 is not an email (an integer); store it as a string`,
      ],
      [
        { table: 'users', key: `_id=${ugly(106)}` },
        'paperBalance',
        `users _id=${ugly(106)} paperBalance: {"$numberDecimal":"-Infinity"} is not a number (a Decimal128 -Infinity); expected a paper balance`,
      ],
    ])
    expect(users.rejects[2]!.raw).toEqual({
      _id: { $oid: fixtureObjectId('2024-06-01T00:00:00Z', 103).toHexString() },
      email: 'lots@example.com',
      name: 'Lots',
      paperBalance: 'lots',
    })
    expect(users.records.length + users.rejects.length).toBe(
      MONGO_FIXTURE_COUNTS.users.records + MONGO_FIXTURE_COUNTS.users.rejects,
    )
  })

  it('puts every bad field of a document in one reject', () => {
    const id = new ObjectId('65f0a1b2c3d4e5f601000001')
    const { reject, record } = mapUser(
      {
        document: { _id: id, email: new Int32(7), role: true, paperBalance: Decimal128.fromString('NaN') },
        location: { table: 'users', key: `_id=ObjectId("${id.toHexString()}")` },
        label: `users _id=ObjectId("${id.toHexString()}")`,
      },
      'UTC',
    )
    expect(record).toBeUndefined()
    expect(reject).toMatchObject({ entity: 'users', field: 'email' })
    expect(reject!.reason).toBe(
      `users _id=ObjectId("65f0a1b2c3d4e5f601000001") email: 7 is not an email (an integer); store it as a string; role: true is not a role (a boolean); store it as a string; paperBalance: {"$numberDecimal":"NaN"} is not a number (a Decimal128 NaN); expected a paper balance`,
    )
  })

  it('warns about users sharing an email, and keeps them all', async () => {
    const { warnings, users } = await fromServer()
    expect(
      users.records.filter((r) => String(r.values.email).toLowerCase() === 'asha.verma@example.com'),
    ).toHaveLength(2)
    expect(warnings).toContain(
      `users: 1 user(s) have the email of an earlier user (compared without case): Asha.Verma@Example.com (_id=ObjectId("${hex(MONGO_USER_IDS.ashaAgain)}"), like _id=ObjectId("${hex(MONGO_USER_IDS.asha)}")). All are kept, as separate users rows.`,
    )
  })
})

describe('portfoliosnapshots → portfolio_snapshots', () => {
  it('links each snapshot to its user by ObjectId, hex text, firebase uid or string _id, without lookups in the target', async () => {
    const { snapshots, warnings } = await fromServer()
    expect(snapshots.records.map((r) => r.values.user_id)).toEqual([
      userRef(MONGO_USER_IDS.asha),
      userRef(MONGO_USER_IDS.ravi),
      userRef(MONGO_USER_IDS.meera),
      userRef(MONGO_USER_IDS.asha),
      userRef(MONGO_USER_IDS.kiran),
      undefined,
      userRef(MONGO_USER_IDS.oldTimer),
    ])
    // A userId that is not an ObjectId stays in extra, so the document can be rebuilt.
    expect(snapshots.records.map((r) => r.extra?.userId)).toEqual([
      undefined,
      undefined,
      hex(MONGO_USER_IDS.meera),
      'fb_Wq3asha9',
      'fb_legacy_kiran',
      'fb_ghost',
      'legacy-user-0007',
    ])
    expect(warnings).toContain(
      'portfoliosnapshots: 1 snapshot(s) name a user no users document has (userId "fb_ghost"; matched against _id, firebaseUid and firebase_uid): kept without a user_id, their userId in extra.',
    )
  })

  it('maps totals exactly (Decimal128 of 25+ digits, Int64 above 2^53), positions as holdings, and the time', async () => {
    const { snapshots } = await fromServer()
    const [first, second, third, fourth, fifth] = snapshots.records
    expect(first!.values).toEqual({
      user_id: userRef(MONGO_USER_IDS.asha),
      currency: 'USDT',
      total_value: '10523.45',
      cash: '8000.00',
      positions_value: '2523.45',
      realized_pnl: '0',
      unrealized_pnl: '23.45',
      holdings: [
        {
          symbol: 'BTCUSDT',
          quantity: { $numberDecimal: '0.0123' },
          avgPrice: 86262.3,
          currentPrice: 88000.1,
          value: { $numberDecimal: '1082.40' },
        },
        {
          symbol: 'ETHUSDT',
          quantity: 0.65,
          avgPrice: 2231.1,
          currentPrice: 2217.8,
          value: { $numberDecimal: '1441.05' },
        },
      ],
      taken_at: '2025-03-01T10:00:00Z',
    })
    expect(first!.extra).toEqual({
      timeframe: 'hourly',
      createdAt: { $date: '2025-03-01T10:00:00.005Z' },
      updatedAt: { $date: '2025-03-01T10:00:00.005Z' },
      __v: 0,
    })
    expect(second!.values).toMatchObject({
      total_value: '9875.5',
      cash: '9875.5',
      positions_value: '0',
      holdings: [],
    })
    expect(third!.values).toMatchObject({
      total_value: '1234567890123456.123456789',
      cash: '0.000000000000000001',
      positions_value: '1234567890123456.123456788999999999',
      taken_at: '2025-03-01T10:00:00Z',
    })
    expect(third!.naiveTimes).toBe(1)
    expect(fourth!.values.taken_at).toBe('2025-03-01T11:00:00Z')
    expect(fourth!.extra).toEqual({
      userId: 'fb_Wq3asha9',
      data: { source: 'portfolio-service', version: 2, breakdown: { spot: 10600 } },
    })
    expect(fifth!.values).toMatchObject({
      total_value: '9007199254740993',
      positions_value: '9007199254740993',
      cash: '0',
      taken_at: '2025-03-01T10:00:00Z',
    })
    for (const record of snapshots.records)
      expect(normalizeRecord(record, { timeZone: 'UTC' }).issues).toEqual([])
  })

  it('reads naive times in --timezone', async () => {
    const { snapshots } = await fromServer('Asia/Kolkata')
    expect(snapshots.records[2]!.values.taken_at).toBe('2025-03-01T04:30:00Z')
    expect(snapshots.records[0]!.values.taken_at).toBe('2025-03-01T10:00:00Z')
  })

  it('rejects snapshots without a total or a time, or with a userId or total of the wrong type', async () => {
    const { snapshots } = await fromServer()
    expect(snapshots.rejects.map((r) => [r.field, issuesOf(r)])).toEqual([
      [
        'totalValue',
        "totalValue: is missing (nor total_value, equity, portfolioValue); every document needs the portfolio's total value",
      ],
      [
        'timestamp',
        'timestamp: "yesterday" is not a time (expected ISO-8601 like 2024-01-31T12:00:00Z, YYYY-MM-DD HH:MM:SS, or an epoch number)',
      ],
      [
        'timestamp',
        'timestamp: is missing (nor recordedAt, takenAt, createdAt, date); every document needs the time of the snapshot',
      ],
      [
        'userId',
        "userId: 42 is not a user reference (an integer); expected the user's ObjectId, its hex text, or the user's firebase uid",
      ],
      [
        'totalValue',
        `totalValue: {"amount":5,"currency":"USD"} is not a number (a document); expected the portfolio's total value`,
      ],
    ])
    expect(
      snapshots.rejects.every(
        (r) => r.entity === 'portfolio_snapshots' && r.location.table === 'portfoliosnapshots',
      ),
    ).toBe(true)
    expect(snapshots.records.length + snapshots.rejects.length).toBe(
      MONGO_FIXTURE_COUNTS.portfoliosnapshots.records + MONGO_FIXTURE_COUNTS.portfoliosnapshots.rejects,
    )
  })
})

describe('mongoexport files read like the server', () => {
  it.each<[MongoExportLayout, 'relaxed' | 'canonical']>([
    ['lines', 'relaxed'],
    ['lines', 'canonical'],
    ['array', 'relaxed'],
    ['array', 'canonical'],
    ['pretty', 'relaxed'],
    ['pretty', 'canonical'],
    ['pretty-array', 'relaxed'],
    ['pretty-array', 'canonical'],
  ])('%s, %s: the same records and rejects, located by file and line', async (layout, mode) => {
    const server = await fromServer()
    const dir = await fixtureExportDir({ layout, mode })
    const context = testContext()
    const src = await openSource({ exportDir: dir }, context)
    const users = await readStream(src, 'users')
    const snapshots = await readStream(src, 'portfoliosnapshots')
    // Files keep the order mongoexport wrote (natural order); the server reads in _id order.
    const byKey = (read: StreamRead) => ({
      ...read,
      records: [...read.records].sort((a, b) => (a.sourceKey < b.sourceKey ? -1 : 1)),
      rejects: [...read.rejects].sort((a, b) => (String(a.location.key) < String(b.location.key) ? -1 : 1)),
    })
    expect(comparable(byKey(users))).toEqual(comparable(byKey(server.users)))
    expect(comparable(byKey(snapshots))).toEqual(comparable(byKey(server.snapshots)))
    expect(users.records[0]!.location).toEqual({
      file: `${dir.slice(1)}/users.json`,
      path: 'line 1',
      table: 'users',
      key: `_id=ObjectId("${hex(MONGO_USER_IDS.asha)}")`,
    })
    const aboutData = (warnings: string[]) => warnings.filter((w) => /^(users|portfoliosnapshots): /.test(w))
    expect(aboutData(context.warnings)).toEqual(aboutData(server.warnings))
    expect(aboutData(context.warnings)).toHaveLength(2)
  })
})
