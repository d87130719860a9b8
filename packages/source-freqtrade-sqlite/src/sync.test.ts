import { mkdirSync, symlinkSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import type { SourceBatch } from '@ledgerport/core'
import {
  backdateFiles,
  closeFreqtradeTrade,
  createTempDir,
  type FreqtradeDatabaseFixture,
  touchFreqtradeTrades,
  writeFreqtradeBenchDatabase,
  writeFreqtradeDatabase,
  writeFreqtradeFleet,
} from '@ledgerport/test-kit'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type FreqtradeCheckpoint, source } from './freqtrade-source.js'
import {
  type CountedRun,
  checksums,
  countsByStream,
  createTarget,
  migrate,
  readRows,
  type TestTarget,
  testContext,
} from './test/support.js'

let dir: { path: string; cleanup(): Promise<void> }
beforeAll(async () => {
  dir = await createTempDir('ledgerport-ft-sync-')
})
afterAll(() => dir.cleanup())

const open = (path: string) => {
  const db = new Database(path)
  db.pragma('foreign_keys = OFF')
  return db
}

describe.each(['postgres', 'sqlite'] as const)('ledgerport sync of a fleet into %s', (kind) => {
  let target: TestTarget
  let fleetDir: string
  let alpha: FreqtradeDatabaseFixture
  let first: CountedRun
  beforeAll(async () => {
    target = await createTarget(kind)
    fleetDir = join(dir.path, `fleet-${kind}`)
    const members = writeFreqtradeFleet(fleetDir, [
      { name: 'alpha', schema: 'current', trades: 12, walTrades: 2 },
      { name: 'bravo', schema: '2023.9', trades: 8 },
      { name: 'charlie', schema: '2021.12', trades: 8, dryRun: true },
    ])
    alpha = members[0]!.fixture!
    // Files written in the last second are always read again; these have settled.
    for (const member of members) backdateFiles(member.path)
    first = await migrate(target.target, { instancesDir: fleetDir }, { sync: true })
  })
  afterAll(() => target.dispose())

  it('copies every bot first, then a second sync reads and writes nothing', async () => {
    expect(first.error).toBeUndefined()
    expect(first.totals.inserted).toBeGreaterThan(100)
    const second = await migrate(target.target, { instancesDir: fleetDir }, { sync: true })
    expect(second.error).toBeUndefined()
    expect(second.totals).toMatchObject({ read: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 })
  })

  it('closing a trade makes the next sync update exactly that round trip and its orders', async () => {
    const trade = alpha.trades.find(
      (t) =>
        t.isOpen &&
        alpha.orders.some((o) => o.ftTradeId === t.id && o.ftIsOpen && o.ftOrderSide !== 'stoploss'),
    )!
    expect(trade).toBeDefined()
    const before = await readRows(target.target, 'round_trips')
    // A running bot: its connection stays open, so the change is only in the -wal.
    const bot = open(alpha.path)
    try {
      const { updatedOrderIds, insertedOrderIds } = closeFreqtradeTrade(bot, trade.id, { closeRate: 100.5 })
      const sync = await migrate(target.target, { instancesDir: fleetDir }, { sync: true })
      expect(sync.error).toBeUndefined()
      const counts = countsByStream(sync)
      expect(counts['alpha/trades']).toMatchObject({
        updated: 1,
        inserted: 0,
        unchanged: alpha.trades.filter((t) => t.expect.ok).length - 1,
      })
      // Each updated order is rewritten; an order that filled now also gets its fill.
      const filled = updatedOrderIds.filter(
        (id) => alpha.orders.find((o) => o.id === id)?.ftOrderSide !== 'stoploss',
      )
      expect(counts['alpha/orders']).toMatchObject({
        updated: updatedOrderIds.length,
        inserted: insertedOrderIds.length * 2 + filled.length,
      })
      expect(counts['alpha/bot']).toMatchObject({ updated: 0, unchanged: 1 })
      for (const other of ['bravo', 'charlie'])
        for (const stream of ['bot', 'trades', 'orders', 'balances'])
          expect(counts[`${other}/${stream}`]?.read, other).toBe(0)
      const after = await readRows(target.target, 'round_trips')
      const key = `alpha:trade:${trade.id}`
      expect(before.get(key)).toMatchObject({ status: 'open', close_rate: null, exit_order_id: null })
      expect(after.get(key)).toMatchObject({ status: 'closed', close_rate: '100.5', exit_reason: 'roi' })
      expect(after.get(key)?.exit_order_id).not.toBeNull()
      for (const [k, row] of after) if (k !== key) expect(row, k).toEqual(before.get(k))
    } finally {
      bot.close() // the bot stops: its last connection checkpoints the -wal into the database
    }
    backdateFiles(alpha.path)
    const afterStop = await migrate(target.target, { instancesDir: fleetDir }, { sync: true })
    expect(afterStop.totals).toMatchObject({ inserted: 0, updated: 0 })
    expect(countsByStream(afterStop)['alpha/trades']?.read).toBeGreaterThan(0) // the files changed, the rows did not
  })

  it('a database whose files only got a new mtime is read again, and nothing is rewritten', async () => {
    const path = join(fleetDir, 'bravo', 'user_data', 'tradesv3.sqlite')
    utimesSync(path, new Date(), new Date(Date.now() + 5_000))
    const sync = await migrate(target.target, { instancesDir: fleetDir }, { sync: true })
    const counts = countsByStream(sync)
    expect(counts['bravo/trades']?.read).toBeGreaterThan(0)
    expect(counts['alpha/trades']?.read).toBe(0)
    expect(sync.totals).toMatchObject({ inserted: 0, updated: 0 })
  })
})

describe('reading without changing anything', () => {
  it('reads rows only in the -wal of a killed bot (-wal and -shm present), leaving the database and -wal as they were', async () => {
    const fixture = writeFreqtradeDatabase(join(dir.path, 'killed', 'tradesv3.sqlite'), {
      schema: 'current',
      walTrades: 3,
    })
    const before = checksums(fixture.path)
    expect(before['-wal']).not.toBe('absent')
    const target = await createTarget('sqlite')
    try {
      const result = await migrate(target.target, { db: [fixture.path] })
      expect(result.error).toBeUndefined()
      const rows = await readRows(target.target, 'round_trips')
      for (const id of fixture.walTradeIds)
        expect(rows.has(`killed:trade:${id}`), `WAL trade ${id}`).toBe(true)
    } finally {
      await target.dispose()
    }
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
    const src = await source.create({ db: [fixture.path], busyTimeout: 5000 }, testContext())
    const ids: string[] = []
    for (const stream of await src.discover())
      for await (const batch of src.read(stream)) ids.push(...batch.records.map((r) => r.sourceKey))
    await src.close()
    for (const id of fixture.walTradeIds) expect(ids).toContain(`copied:trade:${id}`)
    expect(checksums(fixture.path)).toEqual(before)
  })

  it('reads a cleanly stopped WAL database (no -wal, no -shm) without creating them', async () => {
    const fixture = writeFreqtradeDatabase(join(dir.path, 'stopped', 'tradesv3.sqlite'), { schema: '2023.9' })
    const before = checksums(fixture.path)
    expect(before).toMatchObject({ '-wal': 'absent', '-shm': 'absent' })
    const src = await source.create({ db: [fixture.path], busyTimeout: 5000 }, testContext())
    let records = 0
    for (const stream of await src.discover())
      for await (const batch of src.read(stream)) records += batch.records.length
    await src.close()
    expect(records).toBeGreaterThan(40)
    expect(checksums(fixture.path)).toEqual(before)
  })

  it('reads a rollback-journal database of Freqtrade 0.16 in place, unchanged', async () => {
    const fixture = writeFreqtradeDatabase(join(dir.path, 'legacy', 'tradesv3.sqlite'), { schema: '0.16' })
    const before = checksums(fixture.path)
    const target = await createTarget('sqlite')
    try {
      const result = await migrate(target.target, { db: [fixture.path] })
      expect(result.error).toBeUndefined()
      expect(countsByStream(result)['legacy/trades']?.inserted).toBe(
        fixture.trades.filter((t) => t.expect.ok).length,
      )
      expect(countsByStream(result)['legacy/orders']?.read).toBe(0)
    } finally {
      await target.dispose()
    }
    expect(checksums(fixture.path)).toEqual(before)
  })
})

describe('a database another process writes to', () => {
  let writer: Database.Database | undefined
  afterEach(() => writer?.close())

  it('is read as one consistent snapshot per stream: writes during the read show up in the next one', async () => {
    const fixture = writeFreqtradeDatabase(join(dir.path, 'live', 'tradesv3.sqlite'), {
      schema: 'current',
      trades: 30,
      ugly: false,
    })
    writer = open(fixture.path)
    writer.prepare('SELECT count(*) FROM trades').get() // the bot is running: -wal and -shm exist
    const src = await source.create({ db: [fixture.path], busyTimeout: 5000 }, testContext({ batchSize: 5 }))
    const stream = (await src.discover()).find((s) => s.name === 'live/trades')!
    const read = async (from?: FreqtradeCheckpoint) => {
      const batches: SourceBatch[] = []
      let index = 0
      for await (const batch of src.read(stream, from)) {
        batches.push(batch)
        if (index++ === 0) {
          // While the stream is half read, the bot closes trade 30 and opens trade 31.
          writer!
            .prepare(
              "UPDATE trades SET is_open = 0, close_rate = 1.5, close_date = '2026-06-01 00:00:00' WHERE id = 30",
            )
            .run()
          writer!
            .prepare(
              "INSERT INTO trades SELECT 31, exchange, pair, base_currency, stake_currency, 1, fee_open, fee_open_cost, fee_open_currency, fee_close, fee_close_cost, fee_close_currency, open_rate, open_rate_requested, open_trade_value, NULL, NULL, realized_profit, NULL, NULL, stake_amount, max_stake_amount, amount, amount_requested, '2026-06-01 00:00:00', NULL, stop_loss, stop_loss_pct, initial_stop_loss, initial_stop_loss_pct, is_stop_loss_trailing, max_rate, min_rate, NULL, NULL, strategy, enter_tag, timeframe, trading_mode, amount_precision, price_precision, precision_mode, precision_mode_price, contract_size, leverage, is_short, liquidation_price, interest_rate, funding_fees, funding_fee_running, record_version FROM trades WHERE id = 1",
            )
            .run()
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

  it('a stream resumed after the files changed does not let the next sync skip the bot', async () => {
    const fixture = writeFreqtradeDatabase(join(dir.path, 'resumed', 'tradesv3.sqlite'), {
      schema: 'current',
      trades: 20,
      ugly: false,
    })
    const src = await source.create({ db: [fixture.path], busyTimeout: 5000 }, testContext({ batchSize: 5 }))
    const stream = (await src.discover()).find((s) => s.name === 'resumed/trades')!
    let firstCheckpoint: FreqtradeCheckpoint | undefined
    for await (const batch of src.read(stream)) {
      firstCheckpoint = batch.checkpoint as FreqtradeCheckpoint
      break // the run was killed after its first batch
    }
    writer = open(fixture.path)
    writer.prepare('UPDATE trades SET strategy = ? WHERE id = 1').run('Renamed') // before the resume point
    const rest: SourceBatch[] = []
    for await (const batch of src.read(stream, firstCheckpoint)) rest.push(batch)
    const done = rest.at(-1)!.checkpoint as FreqtradeCheckpoint
    expect(done).toMatchObject({ done: true, files: null })
    const next: SourceBatch[] = []
    for await (const batch of src.read(stream, done)) next.push(batch)
    expect(
      next.flatMap((b) => b.records).find((r) => r.sourceKey === 'resumed:trade:1')?.values.strategy,
    ).toBe('Renamed')
    await src.close()
  })
})

describe('the bench database writer', () => {
  it('writes N trades and 2N orders that map without a reject; touching 1% updates exactly those', async () => {
    const path = join(dir.path, 'bench', 'tradesv3.sqlite')
    const written = writeFreqtradeBenchDatabase(path, { trades: 300 })
    const target = await createTarget('sqlite')
    try {
      const first = await migrate(target.target, { db: [path] }, { sync: true })
      expect(first.totals).toMatchObject({ rejected: 0, inserted: 1 + written.trades + written.orders + 525 })
      expect(touchFreqtradeTrades(path, 100)).toBe(3)
      const second = await migrate(target.target, { db: [path] }, { sync: true })
      expect(countsByStream(second)['bench/trades']).toMatchObject({ updated: 3, unchanged: 297 })
      expect(second.totals).toMatchObject({ inserted: 0, updated: 3 })
    } finally {
      await target.dispose()
    }
  })
})

describe('a fleet with broken databases', () => {
  it('fails only the corrupt, truncated, locked and non-Freqtrade bots, naming their files; the others complete', async () => {
    const fleetDir = join(dir.path, 'broken-fleet')
    const members = writeFreqtradeFleet(fleetDir, [
      { name: 'good-1', schema: 'current', trades: 6 },
      { name: 'garbage', corrupt: 'garbage' },
      { name: 'good-2', schema: '2022.4', trades: 6 },
      { name: 'locked', schema: '2020.9', trades: 4 },
      { name: 'truncated', schema: 'current', corrupt: 'truncated' },
    ])
    // A SQLite file that is not Freqtrade's.
    mkdirSync(join(fleetDir, 'notes', 'user_data'), { recursive: true })
    const other = new Database(join(fleetDir, 'notes', 'user_data', 'tradesv3.sqlite'))
    other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)')
    other.close()
    // Another process holds an exclusive lock on a rollback-journal database.
    const locker = new Database(members[3]!.path)
    locker.exec('BEGIN EXCLUSIVE')
    const target = await createTarget('sqlite')
    try {
      const result = await migrate(target.target, { instancesDir: fleetDir, busyTimeout: 50 })
      expect(result.error?.message).toMatch(/stream\(s\) failed/)
      const failed = result.results.filter((r) => r.status === 'Error')
      expect(new Set(failed.map((r) => r.stream.split('/')[0]))).toEqual(
        new Set(['garbage', 'locked', 'notes', 'truncated']),
      )
      for (const r of failed) {
        const bot = r.stream.split('/')[0]!
        expect(r.error).toContain(join(fleetDir, bot, 'user_data', 'tradesv3.sqlite'))
      }
      expect(failed.find((r) => r.stream === 'garbage/trades')?.error).toMatch(/not a SQLite database/)
      expect(failed.find((r) => r.stream === 'locked/trades')?.error).toMatch(/locked/)
      expect(failed.find((r) => r.stream === 'notes/trades')?.error).toMatch(
        /no trades table, so it is not a Freqtrade database/,
      )
      const good = result.results.filter((r) => /^good-/.test(r.stream))
      expect(good.every((r) => r.status === 'Success')).toBe(true)
      const bots = await readRows(target.target, 'bots')
      expect([...bots.keys()].sort()).toEqual(['bot:good-1', 'bot:good-2'])
    } finally {
      locker.exec('ROLLBACK')
      locker.close()
      await target.dispose()
    }
  })
})

describe.each(['sqlite', 'postgres'] as const)('a fleet folder with symbolic links, into %s', (kind) => {
  it('imports an alias of a bot folder once, and fails only the bot of a link loop', async () => {
    const fleetDir = join(dir.path, `linked-fleet-${kind}`)
    const members = writeFreqtradeFleet(fleetDir, [
      { name: 'alpha', schema: 'current', trades: 6 },
      { name: 'bravo', schema: '2022.4', trades: 4 },
    ])
    for (const member of members) backdateFiles(member.path)
    // `alpha-alias` is the same bot as `alpha`; `x1 → x2 → x1` is a loop.
    symlinkSync(join(fleetDir, 'alpha'), join(fleetDir, 'alpha-alias'))
    symlinkSync(join(fleetDir, 'x2'), join(fleetDir, 'x1'))
    symlinkSync(join(fleetDir, 'x1'), join(fleetDir, 'x2'))
    const target = await createTarget(kind)
    try {
      const context = testContext({ batchSize: 5000 })
      const result = await migrate(target.target, { instancesDir: fleetDir }, { context })
      const failed = result.results.filter((r) => r.status === 'Error')
      expect(new Set(failed.map((r) => r.stream.split('/')[0]))).toEqual(new Set(['x1', 'x2']))
      expect(failed.find((r) => r.stream === 'x1/trades')?.error).toBe(
        `${join(fleetDir, 'x1')}: is a loop of symbolic links (ELOOP). Fix or remove this entry of --instances-dir; the other bots are read.`,
      )
      expect(result.results.some((r) => r.stream.startsWith('alpha-alias/'))).toBe(false)
      expect(
        result.results.filter((r) => /^(alpha|bravo)\//.test(r.stream)).every((r) => r.status === 'Success'),
      ).toBe(true)
      expect(result.warnings.filter((w) => w.includes('alpha-alias'))).toEqual([
        `${join(fleetDir, 'alpha-alias', 'user_data', 'tradesv3.sqlite')} is a symbolic link to ${join(fleetDir, 'alpha', 'user_data', 'tradesv3.sqlite')}, which is already read as ${join(fleetDir, 'alpha', 'user_data', 'tradesv3.sqlite')}: read once, as that bot.`,
      ])
      const bots = await readRows(target.target, 'bots')
      expect([...bots.keys()].sort()).toEqual(['bot:alpha', 'bot:bravo'])
      // Each trade once: as many round trips as the two bots' trades streams inserted, all of theirs.
      const trips = await readRows(target.target, 'round_trips')
      const counts = countsByStream(result)
      expect(trips.size).toBe(counts['alpha/trades']!.inserted + counts['bravo/trades']!.inserted)
      expect(trips.size).toBeGreaterThan(0)
    } finally {
      await target.dispose()
    }
  })
})
