import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { SourceBatch } from '@ledgerport/core'
import type { FreqtradeCheckpoint } from '@ledgerport/freqtrade-mapping'
import { createTempDir, writeFreqtradeDatabase, writeFreqtradeFleet } from '@ledgerport/test-kit'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { readReference } from './test/reference.js'
import { readAll, rowHashes, testContext } from './test/support.js'
import { source } from './turso-source.js'

// `file:` URLs are read through @libsql/client with the file attached (read-only in place, or from a
// private snapshot): these are freqtrade-sqlite's own checks of reading without changing anything.

let dir: { path: string; cleanup(): Promise<void> }
beforeAll(async () => {
  dir = await createTempDir('ledgerport-turso-file-')
})
afterAll(() => dir.cleanup())

/** sha256 of a database's file and each side file, or `absent`. */
const checksums = (path: string): Record<string, string> =>
  Object.fromEntries(
    ['', '-wal', '-shm', '-journal'].map((suffix) => {
      const file = `${path}${suffix}`
      const sum = existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'absent'
      return [suffix || 'db', sum]
    }),
  )

/** A `file:` URL for a path, percent-encoded. */
const fileUrl = (path: string) => `file:${path.split('/').map(encodeURIComponent).join('/')}`

/**
 * SQL that runs in another process: the bot. Not in this one: POSIX file locks belong to a process,
 * so two SQLite libraries in one process (better-sqlite3 here, libSQL's in the source) would not see
 * each other's locks, and closing a file in one would drop the other's.
 */
class OtherProcess {
  readonly #child
  readonly #replies: Array<(reply: string) => void> = []

  constructor(path: string) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.#child = spawn(process.execPath, ['-e', OTHER_PROCESS, driver, path], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    let buffered = ''
    this.#child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        this.#replies.shift()?.(buffered.slice(0, end))
        buffered = buffered.slice(end + 1)
      }
    })
  }

  /** Runs SQL (several statements, `exec`) in the other process's connection. */
  async exec(sql: string): Promise<void> {
    const reply = await new Promise<string>((resolve) => {
      this.#replies.push(resolve)
      this.#child.stdin.write(`${JSON.stringify(sql)}\n`)
    })
    if (reply !== 'ok') throw new Error(reply)
  }

  /** Closes the connection and ends the process. */
  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once('exit', resolve))
    this.#child.stdin.end()
    await exited
  }
}

const OTHER_PROCESS = `
const Database = require(process.argv[1])
const db = new Database(process.argv[2])
db.pragma('foreign_keys = OFF')
const lines = require('node:readline').createInterface({ input: process.stdin })
lines.on('line', (line) => {
  try {
    db.exec(JSON.parse(line))
    process.stdout.write('ok\\n')
  } catch (error) {
    process.stdout.write('error ' + error.message + '\\n')
  }
})
lines.on('close', () => db.close())
`

/** Every source key a `file:` URL's streams yield. */
async function sourceKeys(path: string): Promise<string[]> {
  const read = await readAll((context) => source.create({ url: [fileUrl(path)] }, context))
  return read.records.map((record) => record.sourceKey)
}

describe('a file: URL is read without changing anything', () => {
  it('reads rows only in the -wal of a killed bot (-wal and -shm present), leaving the database and -wal as they were', async () => {
    const fixture = writeFreqtradeDatabase(join(dir.path, 'killed', 'tradesv3.sqlite'), {
      schema: 'current',
      walTrades: 3,
    })
    const before = checksums(fixture.path)
    expect(before['-wal']).not.toBe('absent')
    const keys = await sourceKeys(fixture.path)
    for (const id of fixture.walTradeIds) expect(keys, `WAL trade ${id}`).toContain(`killed:trade:${id}`)
    const after = checksums(fixture.path)
    // The -shm is SQLite's shared-memory index: every reader, Freqtrade's own included, writes its read marks there.
    expect({ db: after.db, wal: after['-wal'], journal: after['-journal'] }).toEqual({
      db: before.db,
      wal: before['-wal'],
      journal: 'absent',
    })
  })

  it('reads a -wal that has no -shm from a private snapshot: no file is changed or created', async () => {
    const fixture = writeFreqtradeDatabase(join(dir.path, 'copied', 'tradesv3.sqlite'), {
      schema: '2024.3',
      walTrades: 2,
      shm: false,
    })
    const before = checksums(fixture.path)
    expect(before).toMatchObject({ '-shm': 'absent' })
    const keys = await sourceKeys(fixture.path)
    for (const id of fixture.walTradeIds) expect(keys).toContain(`copied:trade:${id}`)
    expect(checksums(fixture.path)).toEqual(before)
  })

  it('reads a cleanly stopped WAL database (no -wal, no -shm) without creating them', async () => {
    const fixture = writeFreqtradeDatabase(join(dir.path, 'stopped', 'tradesv3.sqlite'), { schema: '2023.9' })
    const before = checksums(fixture.path)
    expect(before).toMatchObject({ '-wal': 'absent', '-shm': 'absent' })
    expect((await sourceKeys(fixture.path)).length).toBeGreaterThan(40)
    expect(checksums(fixture.path)).toEqual(before)
  })

  it('reads a rollback-journal database of Freqtrade 0.16 in place, unchanged', async () => {
    const fixture = writeFreqtradeDatabase(join(dir.path, 'legacy', 'tradesv3.sqlite'), { schema: '0.16' })
    const before = checksums(fixture.path)
    const keys = await sourceKeys(fixture.path)
    expect(keys.filter((key) => key.startsWith('legacy:trade:')).length).toBe(
      fixture.trades.filter((t) => t.expect.ok).length,
    )
    expect(checksums(fixture.path)).toEqual(before)
  })

  it('reads a file whose name needs escaping (space, ?, #, %) to the rows better-sqlite3 reads', async () => {
    const fixture = writeFreqtradeDatabase(join(dir.path, 'odd', 'bot a?b#c%d.sqlite'), {
      schema: 'current',
      walTrades: 2,
    })
    const turso = await readAll((context) =>
      source.create({ url: [fileUrl(fixture.path)], botId: ['bot'] }, context),
    )
    const reference = await readReference(fixture.path, 'bot')
    expect(rowHashes(turso.records)).toEqual(rowHashes(reference.records))
    expect(turso.locations[0]).toBe(fixture.path)
  })
})

describe('a file: URL another process writes to', () => {
  let writer: OtherProcess | undefined
  afterEach(() => writer?.close())

  it('is read as one consistent snapshot per stream: writes during the read show up in the next one', async () => {
    const fixture = writeFreqtradeDatabase(join(dir.path, 'live', 'tradesv3.sqlite'), {
      schema: 'current',
      trades: 30,
      ugly: false,
    })
    writer = new OtherProcess(fixture.path)
    await writer.exec('SELECT count(*) FROM trades') // the bot is running: -wal and -shm exist
    const src = await source.create({ url: [fileUrl(fixture.path)] }, testContext({ batchSize: 5 }))
    const stream = (await src.discover()).find((s) => s.name === 'live/trades')!
    const read = async (from?: FreqtradeCheckpoint) => {
      const batches: SourceBatch[] = []
      let index = 0
      for await (const batch of src.read(stream, from)) {
        batches.push(batch)
        if (index++ === 0) {
          // While the stream is half read, the bot closes trade 30 and opens a copy of trade 1 as 31.
          await writer!.exec(`
            UPDATE trades SET is_open = 0, close_rate = 1.5, close_date = '2026-06-01 00:00:00' WHERE id = 30;
            CREATE TEMP TABLE opened AS SELECT * FROM trades WHERE id = 1;
            UPDATE opened SET id = 31, is_open = 1, open_date = '2026-06-01 00:00:00', close_date = NULL;
            INSERT INTO trades SELECT * FROM opened;
            DROP TABLE opened;
          `)
        }
      }
      return batches
    }
    const wasOpen = fixture.trades.find((t) => t.id === 30)!.isOpen
    const batches = await read()
    const records = batches.flatMap((b) => b.records)
    expect(records.map((r) => r.sourceKey)).toEqual(fixture.trades.map((t) => `live:trade:${t.id}`))
    expect(records.at(-1)?.values.status).toBe(wasOpen ? 'open' : 'closed')
    expect(records.at(-1)?.values.close_rate).not.toBe('1.5')
    const last = batches.at(-1)!.checkpoint as FreqtradeCheckpoint
    expect(last.done).toBe(true)
    // The files changed since: the completed checkpoint no longer matches, so the whole table is read again.
    const again: SourceBatch[] = []
    for await (const batch of src.read(stream, last)) again.push(batch)
    const keys = again.flatMap((b) => b.records.map((r) => r.sourceKey))
    expect(keys).toContain('live:trade:31')
    expect(
      again.flatMap((b) => b.records).find((r) => r.sourceKey === 'live:trade:30')?.values.close_rate,
    ).toBe('1.5')
    await src.close()
  })
})

describe('broken file: databases', () => {
  it('fail their own streams, naming the file: corrupt, truncated, locked, not Freqtrade', async () => {
    const fleetDir = join(dir.path, 'broken')
    const members = writeFreqtradeFleet(fleetDir, [
      { name: 'garbage', corrupt: 'garbage' },
      { name: 'locked', schema: '2020.9', trades: 4 },
      { name: 'truncated', schema: 'current', corrupt: 'truncated' },
    ])
    mkdirSync(join(fleetDir, 'notes', 'user_data'), { recursive: true })
    const notes = join(fleetDir, 'notes', 'user_data', 'tradesv3.sqlite')
    const other = new Database(notes)
    other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)')
    other.close()
    // Another process holds an exclusive lock on a rollback-journal database.
    const locker = new OtherProcess(members[1]!.path)
    await locker.exec('BEGIN EXCLUSIVE')
    const paths = [...members.map((member) => member.path), notes]
    const src = await source.create({ url: paths.map(fileUrl) }, testContext())
    const errors = new Map<string, string>()
    try {
      for (const stream of (await src.discover()).filter((s) => s.name.endsWith('/trades'))) {
        try {
          for await (const _ of src.read(stream)) void _
        } catch (error) {
          errors.set(stream.name.split('/')[0]!, (error as Error).message)
        }
      }
    } finally {
      await locker.exec('ROLLBACK')
      await locker.close()
      await src.close()
    }
    expect([...errors.keys()].sort()).toEqual(['garbage', 'locked', 'notes', 'truncated'])
    for (const [bot, message] of errors) expect(message).toContain(join(fleetDir, bot, 'user_data'))
    expect(errors.get('garbage')).toMatch(/not a SQLite database/)
    expect(errors.get('locked')).toMatch(/locked/)
    expect(errors.get('notes')).toMatch(/no trades table, so it is not a Freqtrade database/)
    expect(errors.get('truncated')).toMatch(/malformed|corrupt|not a database/i)
  })
})
