import { appendFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Checkpoint, parsePluginOptions, type Source } from '@ledgerport/core'
import { describeSource } from '@ledgerport/core/testing'
import { MAX_JSON_DEPTH } from '@ledgerport/source-kit'
import { createMongoDatabase, createTempDir, fixtureObjectId, mongoExportText } from '@ledgerport/test-kit'
import { afterAll, describe, expect, it } from 'vitest'
import { source } from './mongo-source.js'
import {
  cleanUp,
  fixtureDatabase,
  fixtureExportDir,
  openSource,
  readStream,
  testContext,
} from './test-support.js'

afterAll(cleanUp)
const hostileDirs: Array<{ cleanup(): Promise<void> }> = []
afterAll(async () => {
  for (const dir of hostileDirs.splice(0)) await dir.cleanup()
})

const onTestServer = !process.env.MONGODB_URL

describeSource('mongo (server, ugly documents)', {
  create: async () => openSource({ sourceUrl: (await fixtureDatabase()).url }),
  streams: ['users', 'portfoliosnapshots'],
  // The hostile value as BSON, in a user's and a snapshot's own field.
  hostile: async (input) => {
    const database = await createMongoDatabase()
    hostileDirs.push({ cleanup: () => database.drop() })
    await database.insert('users', [
      { _id: fixtureObjectId('2025-03-01T00:00:00Z', 1), email: 'a@example.com' },
      { _id: fixtureObjectId('2025-03-01T00:00:00Z', 2), email: 'b@example.com', prefs: input.value() },
    ])
    await database.insert('portfoliosnapshots', [
      {
        _id: fixtureObjectId('2025-03-01T00:00:00Z', 3),
        userId: fixtureObjectId('2025-03-01T00:00:00Z', 1),
        data: input.value(),
      },
    ])
    return openSource({ sourceUrl: database.url })
  },
})

/** One export folder per layout, made once: the conformance suite opens the source many times. */
const exportDirs = new Map<string, Promise<string>>()
function sharedExportDir(options: Parameters<typeof fixtureExportDir>[0] = {}): Promise<string> {
  const key = JSON.stringify(options)
  if (!exportDirs.has(key)) exportDirs.set(key, fixtureExportDir(options))
  return exportDirs.get(key)!
}

describeSource('mongo (mongoexport JSON Lines, relaxed)', {
  create: async () => openSource({ exportDir: await sharedExportDir() }),
  streams: ['users', 'portfoliosnapshots'],
  // The hostile value in a user's and a snapshot's own field, in mongoexport's JSON Lines.
  hostile: async (input) => {
    const tmp = await createTempDir()
    hostileDirs.push(tmp)
    await writeFile(
      join(tmp.path, 'users.json'),
      [
        '{"_id":{"$oid":"65f0a1b2c3d4e5f601000001"},"email":"a@example.com"}',
        `{"_id":{"$oid":"65f0a1b2c3d4e5f601000002"},"email":"b@example.com","prefs":${input.json}}`,
      ].join('\n'),
    )
    await writeFile(
      join(tmp.path, 'portfoliosnapshots.json'),
      `{"_id":{"$oid":"65f0a1b2c3d4e5f602000001"},"userId":{"$oid":"65f0a1b2c3d4e5f601000001"},"totalValue":{"$numberDecimal":"10.5"},"timestamp":{"$date":"2025-03-01T09:15:00Z"},"data":${input.json}}`,
    )
    return openSource({ exportDir: tmp.path })
  },
})

describeSource('mongo (mongoexport --pretty, canonical, Asia/Kolkata)', {
  create: async () =>
    openSource(
      { exportDir: await sharedExportDir({ layout: 'pretty', mode: 'canonical' }) },
      testContext([], { timezone: 'Asia/Kolkata' }),
    ),
  streams: ['users', 'portfoliosnapshots'],
  timeZone: 'Asia/Kolkata',
})

describeSource("mongo (mongoexport --jsonArray, the seed's snapshots.json)", {
  create: async () =>
    openSource({ exportDir: await sharedExportDir({ layout: 'array', snapshotsFile: 'snapshots.json' }) }),
  streams: ['users', 'portfoliosnapshots'],
})

async function readAll(src: Source, name: string, from?: Checkpoint) {
  const stream = (await src.discover()).find((s) => s.name === name)!
  const batches = []
  for await (const batch of src.read(stream, from)) batches.push(batch)
  return batches
}

describe('mongo options', () => {
  const context = testContext()
  it('needs exactly one of --source-url and --export-dir', () => {
    expect(() => source.create({}, context)).toThrow(
      'The mongo source needs --source-url mongodb://host:27017/DB (or LEDGERPORT_MONGO_URL) to read a server, or --export-dir DIR to read mongoexport files.',
    )
    expect(() => source.create({ sourceUrl: 'mongodb://u:pw@h/db', exportDir: 'x' }, context)).toThrow(
      /^Give either --source-url \(read a server\) or --export-dir/,
    )
    expect(() => source.create({ exportDir: 'x', database: 'trading' }, context)).toThrow(
      '--database names a database on a server: use it with --source-url, not --export-dir.',
    )
    expect(() => source.create({ sourceUrl: 'postgres://u:hunter22@h/db' }, context)).toThrow(
      '--source-url must start with mongodb:// or mongodb+srv://.',
    )
    expect(() => source.create({ sourceUrl: 'mongodb://u:hunter22@h:27017/' }, context)).toThrow(
      'mongodb://u:***@h:27017/ names no database: add it to the URL (mongodb://host:27017/NAME) or pass --database NAME.',
    )
  })

  it('takes --collections as a list or comma-separated, and refuses unknown ones', async () => {
    expect(() => source.create({ exportDir: 'x', collections: ['users', 'trades,bots'] }, context)).toThrow(
      '--collections: trades, bots are not migrated by the mongo source; choose from users, portfoliosnapshots.',
    )
    const warnings: string[] = []
    const src = await openSource(
      { exportDir: await fixtureExportDir(), collections: ['users'] },
      testContext(warnings),
    )
    expect((await src.discover()).map((s) => s.name)).toEqual(['users'])
    expect(warnings).toContain(
      `file ${(await src.discover())[0]!.location!.replace('users.json', 'portfoliosnapshots.json')} is not migrated (not in --collections).`,
    )
  })

  it('marks the URL secret: --help shows it as such, and the parsed options redact it', () => {
    expect(source.options.sourceUrl).toMatchObject({ secret: true, env: 'LEDGERPORT_MONGO_URL' })
    const parsed = parsePluginOptions(
      source.options,
      { sourceUrl: 'mongodb://ledger:s3cret@db.example.com/trading' },
      {},
    )
    expect(parsed.redacted).toEqual({ sourceUrl: '***' })
    expect(parsed.secrets).toEqual(['mongodb://ledger:s3cret@db.example.com/trading'])
    expect(
      parsePluginOptions(source.options, {}, { LEDGERPORT_MONGO_URL: 'mongodb://h/x' }).values.sourceUrl,
    ).toBe('mongodb://h/x')
  })
})

describe('mongo server', () => {
  it('discovers the two streams and lists the other collections as not migrated', async () => {
    const db = await fixtureDatabase()
    const warnings: string[] = []
    const src = await openSource({ sourceUrl: db.url }, testContext(warnings))
    try {
      expect(await src.discover()).toEqual([
        { name: 'users', entities: ['users'], location: `${db.name}.users` },
        {
          name: 'portfoliosnapshots',
          entities: ['portfolio_snapshots'],
          location: `${db.name}.portfoliosnapshots`,
        },
      ])
      await src.discover()
      expect(warnings).toEqual([
        `collection ${db.name}.botinstances (1 document) is not migrated.`,
        `collection ${db.name}.trades (2 documents) is not migrated.`,
      ])
      const streams = await src.discover()
      expect(await Promise.all(streams.map((stream) => src.count!(stream)))).toEqual([14, 12])
    } finally {
      await src.close()
    }
  })

  it('reads --database instead of the URL one, and fails with the databases it has no collections in', async () => {
    const db = await fixtureDatabase()
    const other = await openSource({ sourceUrl: db.url, database: `${db.name}_none` })
    try {
      await expect(other.discover()).rejects.toThrow(
        `has no users or portfoliosnapshots collection to migrate.`,
      )
    } finally {
      await other.close()
    }
    const url = db.url.replace(`/${db.name}`, '/admin')
    const named = await openSource({ sourceUrl: url, database: db.name })
    try {
      expect((await readStream(named, 'users')).records).toHaveLength(8)
    } finally {
      await named.close()
    }
  })

  it('never shows the password: not when the server is unreachable, nor when it refuses the login', async () => {
    expect(() =>
      source.create(
        { sourceUrl: 'mongodb://ledger:hunter2secret@h/trading?password=hunter2secret' },
        testContext(),
      ),
    ).toThrow(
      'MongoDB mongodb://ledger:***@h/trading is not a valid MongoDB connection string: option password is not supported',
    )
    const unreachable = await openSource({
      sourceUrl: 'mongodb://ledger:hunter2secret@127.0.0.1:1/trading?serverSelectionTimeoutMS=300',
    })
    const error = await unreachable.discover().catch((e: Error) => e)
    await unreachable.close()
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(
      /^MongoDB mongodb:\/\/ledger:\*\*\*@127\.0\.0\.1:1\/trading cannot be reached: /,
    )
    expect((error as Error).message).not.toContain('hunter2secret')
    if (onTestServer) {
      const db = await fixtureDatabase()
      const refused = await openSource({
        sourceUrl: db.url.replace('mongodb://', 'mongodb://ledger:hunter2secret@'),
      })
      const login = await refused.discover().catch((e: Error) => e)
      await refused.close()
      expect((login as Error).message).toMatch(/cannot be reached: Authentication failed\.$/)
      expect((login as Error).message).not.toContain('hunter2secret')
    }
  })

  it('resumes after a string _id with the ObjectIds that sort after it (index bounds, not $gt)', async () => {
    const db = await fixtureDatabase()
    const src = await openSource({ sourceUrl: db.url }, testContext([], { batchSize: 1 }))
    try {
      const all = await readAll(src, 'users')
      // The string _id sorts before every ObjectId; its checkpoint must not hide them.
      expect(all[0]!.records[0]!.sourceKey).toBe('user:legacy-user-0007')
      expect(all[0]!.checkpoint).toEqual({ after: 'legacy-user-0007' })
      const rest = await readAll(src, 'users', all[0]!.checkpoint)
      expect(rest.flatMap((b) => b.records.map((r) => r.sourceKey))).toEqual(
        all.slice(1).flatMap((b) => b.records.map((r) => r.sourceKey)),
      )
      expect(rest).toHaveLength(13)
      expect(all[1]!.checkpoint).toEqual({ after: { $oid: all[1]!.records[0]!.values.external_id } })
      if (db.server) {
        const finds = db.server.commands.filter(
          (c) => c.name === 'find' && c.command.find === 'users' && c.command.min,
        )
        expect(finds.at(-1)!.command).toMatchObject({
          sort: { _id: 1 },
          hint: { _id: 1 },
          min: { _id: 'legacy-user-0007' },
        })
      }
    } finally {
      await src.close()
    }
  })

  it('reads a collection through one cursor in batches, and closes its connections on close()', async () => {
    const db = await createMongoDatabase()
    try {
      const documents = Array.from({ length: 25 }, (_, n) => ({
        _id: fixtureObjectId('2025-01-01T00:00:00Z', n),
        email: `user${n}@example.com`,
      }))
      await db.insert('users', documents)
      const before = db.server?.connections ?? 0
      const src = await openSource({ sourceUrl: db.url }, testContext([], { batchSize: 10 }))
      const batches = await readAll(src, 'users')
      expect(batches.map((b) => b.records.length)).toEqual([10, 10, 5])
      await src.close()
      if (db.server) {
        const reads = db.server.commands.filter(
          (c) => c.database === db.name && /^(find|getMore)$/.test(c.name),
        )
        expect(reads.map((c) => [c.name, c.command.batchSize])).toEqual([
          ['find', 10],
          ['getMore', 10],
          ['getMore', 10],
        ])
        // The fixture loader's client stays connected; the source's connections are gone.
        await expect.poll(() => db.server!.connections).toBeLessThanOrEqual(before)
      }
    } finally {
      await db.drop()
    }
  })
})

describe('mongo export folder', () => {
  it('says what is missing: the folder, a file, both files', async () => {
    await expect(openSource({ exportDir: '/nonexistent/export' }).then((s) => s.discover())).rejects.toThrow(
      '--export-dir nonexistent/export: no such folder. Pass the folder holding users.json and portfoliosnapshots.json (mongoexport --out files).',
    )
    const tmp = await createTempDir()
    try {
      await writeFile(join(tmp.path, 'trades.json'), '{"_id":1}\n')
      await expect(openSource({ exportDir: tmp.path }).then((s) => s.discover())).rejects.toThrow(
        /has no users or portfoliosnapshots file to migrate \(it has trades\)\.$/,
      )
      await writeFile(join(tmp.path, 'users.json'), mongoExportText([{ _id: 1, email: 'a@example.com' }]))
      const warnings: string[] = []
      const src = await openSource({ exportDir: tmp.path }, testContext(warnings))
      expect((await src.discover()).map((s) => s.name)).toEqual(['users'])
      expect(warnings).toEqual([
        `${tmp.path.slice(1)} has no portfoliosnapshots file: stream portfoliosnapshots is skipped.`,
        `file ${tmp.path.slice(1)}/trades.json is not migrated.`,
      ])
    } finally {
      await tmp.cleanup()
    }
  })

  it('rejects what is not a document with file and line, skips a repeated _id, and keeps going', async () => {
    const tmp = await createTempDir()
    try {
      await writeFile(
        join(tmp.path, 'users.json'),
        [
          '{"_id":{"$oid":"65f0a1b2c3d4e5f601000001"},"email":"a@example.com"}',
          '{"_id":{"$oid":"65f0a1b2c3d4e5f601000002"},"email":"b@example.com","paperBalance":{"$numberDecimal":"1.5x"}}',
          '[1,2]',
          '{"_id":{"$oid":"65f0a1b2c3d4e5f601000001"},"email":"again@example.com"}',
          '{"_id":{"$oid":"65f0a1b2c3d4e5f601000003"},"email":"c@exam',
          '{"_id":{"$oid":"65f0a1b2c3d4e5f601000004"},"email":"d@example.com"}',
        ].join('\n'),
      )
      const { records, rejects, duplicates } = await readStream(
        await openSource({ exportDir: tmp.path }),
        'users',
      )
      const file = `${tmp.path.slice(1)}/users.json`
      expect(records.map((r) => r.values.email)).toEqual(['a@example.com', 'd@example.com'])
      expect(rejects.map((r) => [r.location, r.reason])).toEqual([
        [
          { file, path: 'line 2', table: 'users' },
          `${file} line 2: paperBalance: $numberDecimal has a malformed value "1.5x"; fix or remove it and run again`,
        ],
        [
          { file, path: 'line 3', table: 'users' },
          `${file} line 3: an array, not a document; fix or remove it and run again`,
        ],
        [
          { file, path: 'line 5', table: 'users' },
          `${file} line 5: the line ends inside this document (each line of the file must be one whole document); fix or remove it and run again`,
        ],
      ])
      expect(rejects[2]!.raw).toBe('{"_id":{"$oid":"65f0a1b2c3d4e5f601000003"},"email":"c@exam')
      expect(duplicates).toEqual([
        {
          location: { file, path: 'line 4', table: 'users', key: '_id=ObjectId("65f0a1b2c3d4e5f601000001")' },
          reason: `${file} line 4 (_id=ObjectId("65f0a1b2c3d4e5f601000001")): same _id as line 1, which was kept`,
        },
      ])
    } finally {
      await tmp.cleanup()
    }
  })

  it('rejects a line of binary garbage once, with its line number, and reads the lines around it', async () => {
    const tmp = await createTempDir()
    try {
      const garbage = Buffer.from([
        0x00, 0xff, 0xfe, 0x20, 0x67, 0x61, 0x72, 0x2c, 0x7b, 0x01, 0x5b, 0x20, 0x9c, 0x22,
      ])
      await writeFile(
        join(tmp.path, 'users.json'),
        Buffer.concat([
          Buffer.from('{"_id":{"$oid":"65f0a1b2c3d4e5f601000001"},"email":"a@example.com"}\n'),
          garbage,
          Buffer.from('\n{"_id":{"$oid":"65f0a1b2c3d4e5f601000003"},"email":"c@example.com"}\n'),
        ]),
      )
      const users = await readStream(await openSource({ exportDir: tmp.path }), 'users')
      expect(users.records.map((r) => r.values.email)).toEqual(['a@example.com', 'c@example.com'])
      expect(users.rejects.map((r) => r.location.path)).toEqual(['line 2'])
      expect(users.rejects[0]!.reason).toMatch(/users\.json line 2: /)
    } finally {
      await tmp.cleanup()
    }
  })

  it('rejects a document nested 20,000 deep with file, line and the depth limit, and keeps going', async () => {
    const tmp = await createTempDir()
    try {
      const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`
      await writeFile(
        join(tmp.path, 'users.json'),
        [
          '{"_id":{"$oid":"65f0a1b2c3d4e5f601000001"},"email":"a@example.com"}',
          `{"_id":{"$oid":"65f0a1b2c3d4e5f601000002"},"email":"b@example.com","prefs":${deep}}`,
          '{"_id":{"$oid":"65f0a1b2c3d4e5f601000003"},"email":"c@example.com"}',
        ].join('\n'),
      )
      await writeFile(
        join(tmp.path, 'portfoliosnapshots.json'),
        [
          `{"_id":{"$oid":"65f0a1b2c3d4e5f602000001"},"userId":"firebase-x","data":${deep}}`,
          '{"_id":{"$oid":"65f0a1b2c3d4e5f602000002"},"userId":{"$oid":"65f0a1b2c3d4e5f601000001"},"totalValue":{"$numberDecimal":"10.5"},"timestamp":{"$date":"2025-03-01T09:15:00Z"}}',
        ].join('\n'),
      )
      const src = await openSource({ exportDir: tmp.path })
      const users = await readStream(src, 'users')
      const limit = `JSON nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects, the most ledgerport reads (MAX_JSON_DEPTH)`
      const file = (name: string) => `${tmp.path.slice(1)}/${name}`
      expect(users.records.map((r) => r.values.email)).toEqual(['a@example.com', 'c@example.com'])
      expect(users.rejects.map((r) => [r.location, r.reason])).toEqual([
        [
          { file: file('users.json'), path: 'line 2', table: 'users' },
          expect.stringMatching(
            new RegExp(
              `^${literal(file('users.json'))} line 2: ${literal(limit)}; level 257 opens at position \\d+; fix or remove it and run again$`,
            ),
          ),
        ],
      ])
      expect((users.rejects[0]!.raw as string).length).toBeLessThanOrEqual(1001)
      const snapshots = await readStream(src, 'portfoliosnapshots')
      expect(snapshots.rejects.map((r) => [r.location.path, r.reason])).toEqual([
        [
          'line 1',
          expect.stringMatching(
            new RegExp(`^${literal(file('portfoliosnapshots.json'))} line 1: ${literal(limit)}; `),
          ),
        ],
      ])
      expect(snapshots.records.map((r) => [r.sourceKey, r.values.total_value])).toEqual([
        ['snapshot:65f0a1b2c3d4e5f602000002', '10.5'],
      ])
    } finally {
      await tmp.cleanup()
    }
  })

  it('reads a file again from the start when it changed since the checkpoint', async () => {
    const dir = await fixtureExportDir()
    const warnings: string[] = []
    const src = await openSource({ exportDir: dir }, testContext(warnings))
    const first = await readAll(src, 'users')
    expect(first[0]!.checkpoint).toMatchObject({
      offset: expect.any(Number),
      line: 3,
      index: 3,
      layout: 'lines',
    })
    const rest = await readAll(src, 'users', first[0]!.checkpoint)
    expect(rest.flatMap((b) => b.records).length + rest.flatMap((b) => b.rejects ?? []).length).toBe(11)
    await appendFile(join(dir, 'users.json'), mongoExportText([{ _id: 'late', email: 'late@example.com' }]))
    const again = await readAll(src, 'users', first[0]!.checkpoint)
    expect(again.flatMap((b) => b.records).map((r) => r.sourceKey)).toContain('user:late')
    expect(again.flatMap((b) => b.records).length + again.flatMap((b) => b.rejects ?? []).length).toBe(15)
    expect(warnings).toContain(
      `${dir.slice(1)}/users.json changed since the checkpoint (size or time): it is read again from the start; rows already written count as unchanged.`,
    )
  })
})

/** `text` as a regular expression that matches it literally. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
