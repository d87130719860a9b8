import { join } from 'node:path'
import { createTempDir, type FreqtradeDatabaseFixture, writeFreqtradeDatabase } from '@ledgerport/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CountedRun,
  copyToLibsql,
  countsByStream,
  createTarget,
  type LibsqlCopy,
  migrate,
  readRows,
  type TestTarget,
  tursoOptions,
} from './test/support.js'

let dir: { path: string; cleanup(): Promise<void> }
beforeAll(async () => {
  dir = await createTempDir('ledgerport-turso-e2e-')
})
afterAll(() => dir.cleanup())

/** Records a fixture's stream makes: its rows that map, and one fill per order that filled. */
function expected(fixture: FreqtradeDatabaseFixture) {
  const trades = fixture.trades.filter((t) => t.expect.ok)
  const orders = fixture.orders.filter((o) => o.expect.ok)
  return {
    trades: trades.length,
    tradeRejects: fixture.trades.length - trades.length,
    orders: orders.length + orders.filter((o) => (o.filled ?? 0) > 0).length,
    orderRejects: fixture.orders.length - orders.length,
    wallet: fixture.wallet.length,
  }
}

describe.each(['sqlite', 'postgres'] as const)('turso → %s', (kind) => {
  let target: TestTarget
  let alpha: FreqtradeDatabaseFixture
  let beta: FreqtradeDatabaseFixture
  let remote: LibsqlCopy
  let file: LibsqlCopy
  let first: CountedRun
  const options = () => tursoOptions([remote, file], ['alpha', 'beta'])

  beforeAll(async () => {
    target = await createTarget(kind)
    alpha = writeFreqtradeDatabase(join(dir.path, `${kind}-alpha.sqlite`), { schema: 'current', trades: 14 })
    beta = writeFreqtradeDatabase(join(dir.path, `${kind}-beta.sqlite`), {
      schema: '2022.4',
      trades: 8,
      seed: 3,
    })
    remote = await copyToLibsql(alpha.path, 'libsql-http')
    file = await copyToLibsql(beta.path, 'libsql')
    first = await migrate(target.target, options(), { batchSize: kind === 'sqlite' ? 6 : 5000 })
  })
  afterAll(async () => {
    await remote?.drop()
    await file?.drop()
    await target?.dispose()
  })

  it('writes every bot, round trip, order, fill and balance, rejecting only the bad rows', () => {
    expect(first.error).toBeUndefined()
    const counts = countsByStream(first)
    for (const [bot, fixture] of [
      ['alpha', alpha],
      ['beta', beta],
    ] as const) {
      const e = expected(fixture)
      expect(counts[`${bot}/bot`], bot).toMatchObject({ inserted: 1 })
      expect(counts[`${bot}/trades`], bot).toMatchObject({ inserted: e.trades, rejected: e.tradeRejects })
      expect(counts[`${bot}/orders`], bot).toMatchObject({ inserted: e.orders, rejected: e.orderRejects })
      expect(counts[`${bot}/balances`], bot).toMatchObject({ inserted: e.wallet })
    }
    expect(first.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^bot alpha \(http.*\): table pairlocks \(2 rows\) is not migrated\.$/),
        expect.stringMatching(/^bot beta \(\/.*\): \d+ orders belong to no trade/),
      ]),
    )
  })

  it('keeps every digit and the bot, with the database it came from', async () => {
    const trips = await readRows(target.target, 'round_trips')
    const ugly = [...trips.values()].find(
      (r) => r.raw_symbol === 'PEPE/USDT' && String(r.source_key).startsWith('alpha:'),
    )!
    expect(ugly).toMatchObject({
      open_rate: '0.00000015',
      quantity: '1000000000000000000000',
      stake_amount: '0.30000000000000004',
    })
    const bots = await readRows(target.target, 'bots')
    expect(bots.get('bot:alpha')).toMatchObject({ instance_id: 'alpha', exchange: 'binance' })
    expect(bots.get('bot:alpha')?.extra).toMatchObject({ database: remote.url, freqtrade_schema: '2026.4' })
    expect(bots.get('bot:beta')?.extra).toMatchObject({ freqtrade_schema: '2022.4' })
    const rejects = await target.target.connection.db
      .selectFrom('ledgerport_rejects')
      .select(['file', 'table_name', 'record_key'])
      .where('run_id', '=', first.runId)
      .execute()
    expect(rejects.length).toBe(first.totals.rejected)
    expect(rejects.filter((r) => r.file === remote.url).length).toBeGreaterThan(0)
  })

  it('writes nothing on a second run: unchanged rows are skipped by their digests', async () => {
    const again = await migrate(target.target, options())
    expect(again.error).toBeUndefined()
    expect(again.totals).toMatchObject({ inserted: 0, updated: 0, unchanged: first.totals.inserted })
    const digests = await target.target.connection.db
      .selectFrom('ledgerport_source_digests')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .where('source', '=', 'turso')
      .executeTakeFirstOrThrow()
    expect(Number(digests.n)).toBeGreaterThan(0)
  })

  it('updates what changed in the remote database: a trade that closed', async () => {
    const open = alpha.trades.find((t) => t.isOpen && t.expect.ok)!
    const client = remote.client()
    await client.execute({
      sql: "UPDATE trades SET is_open = 0, close_rate = 1.25, close_date = '2026-05-21 08:00:00.000000', exit_reason = 'roi' WHERE id = ?",
      args: [open.id],
    })
    const after = await migrate(target.target, options())
    expect(after.error).toBeUndefined()
    expect(countsByStream(after)[`alpha/trades`]).toMatchObject({ updated: 1, inserted: 0 })
    expect(after.totals.updated).toBe(1)
    const trip = (await readRows(target.target, 'round_trips')).get(`alpha:trade:${open.id}`)
    expect(trip).toMatchObject({ status: 'closed', close_rate: '1.25', exit_reason: 'roi' })
  })

  it('on sync, does not read a completed remote stream again, and says so; an unchanged file is skipped', async () => {
    const sync = await migrate(target.target, options(), { fresh: false, incremental: true })
    expect(sync.error).toBeUndefined()
    expect(sync.totals).toMatchObject({ read: 0, inserted: 0, updated: 0 })
    expect(sync.warnings.filter((w) => /no change signature/.test(w)).length).toBe(4)
  })
})

describe('a killed run', () => {
  let target: TestTarget
  let copy: LibsqlCopy
  let fixture: FreqtradeDatabaseFixture
  beforeAll(async () => {
    target = await createTarget('sqlite')
    fixture = writeFreqtradeDatabase(join(dir.path, 'resume.sqlite'), {
      schema: 'current',
      trades: 30,
      seed: 9,
    })
    copy = await copyToLibsql(fixture.path, 'libsql-http')
  })
  afterAll(async () => {
    await copy?.drop()
    await target?.dispose()
  })

  it('resumes from its checkpoints with nothing lost or written twice', async () => {
    const options = tursoOptions([copy], ['gamma'])
    const stop = new AbortController()
    let batches = 0
    // Stopped after the third committed batch: in the middle of the trades stream.
    const killed = await migrate(target.target, options, {
      batchSize: 4,
      fresh: false,
      signal: stop.signal,
      onProgress: () => {
        if (++batches === 3) stop.abort()
      },
    })
    expect(killed.results.some((r) => r.status === 'NotExecuted')).toBe(true)
    const partial = (await readRows(target.target, 'round_trips')).size
    const e = expected(fixture)
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(e.trades)
    const resumed = await migrate(target.target, options, { batchSize: 4, fresh: false })
    expect(resumed.error).toBeUndefined()
    expect(resumed.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^Resuming run /)]))
    expect(killed.totals.inserted + resumed.totals.inserted).toBe(1 + e.trades + e.orders + e.wallet)
    expect(resumed.totals.updated).toBe(0)
    expect((await readRows(target.target, 'round_trips')).size).toBe(e.trades)
    expect((await readRows(target.target, 'orders')).size).toBe(
      fixture.orders.filter((o) => o.expect.ok).length,
    )
  })
})
