import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { connect } from '@ledgerport/core'
import {
  createPostgresDatabase,
  createTempDir,
  type ScratchDatabase,
  startHranaServer,
} from '@ledgerport/test-kit'
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killAtRandomPoints, runCli } from './run-cli.js'

/** Freqtrade's current `trades` and `orders` tables (SQLAlchemy's DDL, as SQLite stores it). */
const FREQTRADE_DDL = `
CREATE TABLE trades (id INTEGER NOT NULL, exchange VARCHAR(25) NOT NULL, pair VARCHAR(25) NOT NULL,
  base_currency VARCHAR(25), stake_currency VARCHAR(25), is_open BOOLEAN NOT NULL, fee_open FLOAT NOT NULL,
  fee_open_cost FLOAT, fee_open_currency VARCHAR(25), fee_close FLOAT NOT NULL, fee_close_cost FLOAT,
  fee_close_currency VARCHAR(25), open_rate FLOAT NOT NULL, open_rate_requested FLOAT, open_trade_value FLOAT,
  close_rate FLOAT, close_rate_requested FLOAT, realized_profit FLOAT, close_profit FLOAT, close_profit_abs FLOAT,
  stake_amount FLOAT NOT NULL, max_stake_amount FLOAT, amount FLOAT NOT NULL, amount_requested FLOAT,
  open_date DATETIME NOT NULL, close_date DATETIME, stop_loss FLOAT, stop_loss_pct FLOAT, initial_stop_loss FLOAT,
  initial_stop_loss_pct FLOAT, is_stop_loss_trailing BOOLEAN NOT NULL, max_rate FLOAT, min_rate FLOAT,
  exit_reason VARCHAR(255), exit_order_status VARCHAR(100), strategy VARCHAR(100), enter_tag VARCHAR(255),
  timeframe INTEGER, trading_mode VARCHAR(7), amount_precision FLOAT, price_precision FLOAT, precision_mode INTEGER,
  precision_mode_price INTEGER, contract_size FLOAT, leverage FLOAT, is_short BOOLEAN NOT NULL,
  liquidation_price FLOAT, interest_rate FLOAT NOT NULL, funding_fees FLOAT, funding_fee_running FLOAT,
  record_version INTEGER NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_trades_is_open ON trades (is_open);
CREATE INDEX ix_trades_pair ON trades (pair);
CREATE TABLE orders (id INTEGER NOT NULL, ft_trade_id INTEGER NOT NULL, ft_order_side VARCHAR(25) NOT NULL,
  ft_pair VARCHAR(25) NOT NULL, ft_is_open BOOLEAN NOT NULL, ft_amount FLOAT NOT NULL, ft_price FLOAT NOT NULL,
  ft_cancel_reason VARCHAR(255), order_id VARCHAR(255) NOT NULL, status VARCHAR(255), symbol VARCHAR(25),
  order_type VARCHAR(50), side VARCHAR(25), price FLOAT, average FLOAT, amount FLOAT, filled FLOAT, remaining FLOAT,
  cost FLOAT, stop_price FLOAT, order_date DATETIME, order_filled_date DATETIME, order_update_date DATETIME,
  funding_fee FLOAT, ft_fee_base FLOAT, ft_order_tag VARCHAR(255), PRIMARY KEY (id),
  CONSTRAINT _order_pair_order_id UNIQUE (ft_pair, order_id), FOREIGN KEY(ft_trade_id) REFERENCES trades (id));
CREATE INDEX ix_orders_ft_is_open ON orders (ft_is_open);
CREATE INDEX ix_orders_ft_trade_id ON orders (ft_trade_id);
CREATE INDEX ix_orders_order_id ON orders (order_id);`

/** A Freqtrade database with `trades` trades and two orders each (float noise, naive times, booleans). */
function writeFreqtrade(path: string, trades: number): void {
  const db = new Database(path)
  try {
    db.exec(FREQTRADE_DDL)
    const trade = db.prepare(`INSERT INTO trades VALUES (${Array(51).fill('?').join(', ')})`)
    const order = db.prepare(`INSERT INTO orders VALUES (${Array(26).fill('?').join(', ')})`)
    const time = (ms: number) =>
      new Date(Date.UTC(2025, 0, 1) + ms).toISOString().replace('T', ' ').replace('Z', '123')
    db.transaction(() => {
      for (let id = 1; id <= trades; id++) {
        const open = id % 7 === 0
        const pair = ['BTC/USDT', 'ETH/USDT', '1000FLOKI/USDT:USDT'][id % 3]!
        const rate = id % 5 === 0 ? 0.1 + 0.2 : 43000.5 / id
        const amount = 0.001 * id
        const close = open ? null : rate * 1.01
        const t = id * 60_000
        trade.run(
          id,
          'binance',
          pair,
          pair.split('/')[0],
          'USDT',
          open ? 1 : 0,
          0.001,
          rate * amount * 0.001,
          'USDT',
          0.001,
          close,
          open ? null : 'USDT',
          rate,
          rate,
          rate * amount,
          close,
          close,
          0,
          open ? null : 0.01,
          null,
          rate * amount,
          rate * amount,
          amount,
          amount,
          time(t),
          open ? null : time(t + 3_600_000),
          rate * 0.9,
          -0.1,
          rate * 0.9,
          -0.1,
          0,
          rate * 1.05,
          rate * 0.97,
          open ? null : 'roi',
          open ? null : 'closed',
          'Sample ✓',
          'enter_long',
          5,
          'SPOT',
          1e-8,
          0.01,
          2,
          2,
          1,
          1,
          0,
          null,
          0,
          0,
          0,
          2,
        )
        order.run(
          2 * id - 1,
          id,
          'buy',
          pair,
          0,
          amount,
          rate,
          null,
          `o${2 * id - 1}`,
          'closed',
          pair,
          'limit',
          'buy',
          rate,
          rate,
          amount,
          amount,
          0,
          rate * amount,
          null,
          time(t),
          time(t + 1000),
          time(t + 1000),
          0,
          null,
          'enter_long',
        )
        order.run(
          2 * id,
          id,
          'sell',
          pair,
          open ? 1 : 0,
          amount,
          close ?? rate,
          null,
          `o${2 * id}`,
          open ? 'open' : 'closed',
          pair,
          'limit',
          'sell',
          close ?? rate,
          close,
          amount,
          open ? 0 : amount,
          open ? amount : 0,
          open ? 0 : rate,
          null,
          time(t + 3_600_000),
          open ? null : time(t + 3_601_000),
          time(t + 3_601_000),
          0,
          null,
          'roi',
        )
      }
    })()
  } finally {
    db.close()
  }
}

/** Per table: row count and a checksum of every row as PostgreSQL text. */
async function fingerprint(url: string): Promise<Record<string, string>> {
  const connection = await connect(url)
  try {
    const out: Record<string, string> = {}
    for (const table of ['trades', 'orders']) {
      const { rows } = await sql<{ n: string; sum: string | null }>`select count(*)::text as n,
        md5(string_agg(t::text, '|' order by t.id)) as sum from ${sql.table(table)} t`.execute(connection.db)
      out[table] = `${rows[0]!.n}:${rows[0]!.sum}`
    }
    return out
  } catch {
    return {}
  } finally {
    await connection.close()
  }
}

async function countRows(url: string): Promise<number> {
  const connection = await connect(url)
  try {
    const { rows } = await sql<{
      n: string
    }>`select (select count(*) from orders) + (select count(*) from trades) as n`.execute(connection.db)
    return Number(rows[0]!.n)
  } catch {
    return 0
  } finally {
    await connection.close()
  }
}

describe('ledgerport replicate (CLI)', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let bot: string
  const databases: ScratchDatabase[] = []
  const postgres = async (): Promise<string> => {
    const database = await createPostgresDatabase()
    databases.push(database)
    return database.url
  }

  beforeAll(async () => {
    const temp = await createTempDir()
    dir = temp.path
    cleanup = temp.cleanup
    bot = join(dir, 'tradesv3.sqlite')
    writeFreqtrade(bot, 6_000)
  })
  afterAll(async () => {
    for (const database of databases.splice(0)) await database.drop()
    await cleanup()
  })

  it('copies a Freqtrade database to PostgreSQL and back, re-runs write nothing, secrets stay out of output', async () => {
    const target = await postgres()
    const secretTarget = target.replace('postgres@', 'postgres:Sup3rSecretPw@')
    const first = await runCli(['replicate', '--from', `sqlite:${bot}`, '--to', secretTarget, '--yes'], {
      cwd: dir,
    })
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/^orders\s+fresh\s+12000\s+12000\s+0\s+0\s+0\s+0\s/m)
    expect(first.stdout).toMatch(/^trades\s+fresh\s+6000\s+6000\s/m)
    expect(first.stdout).toContain('postgres://postgres:***@')
    const again = await runCli(
      ['replicate', '--from', `sqlite:${bot}`, '--to', secretTarget, '--yes', '--json'],
      {
        cwd: dir,
      },
    )
    const report = JSON.parse(again.stdout)
    expect(report).toMatchObject({
      ok: true,
      command: 'replicate',
      totals: { unchanged: 18_000, inserted: 0 },
    })
    for (const output of [first.stdout, first.stderr, again.stdout, again.stderr])
      expect(output).not.toContain('Sup3rSecretPw')

    const back = `file:${join(dir, 'back.db')}`
    const copied = await runCli(['replicate', '--from', target, '--to', back, '--yes', '--json'], {
      cwd: dir,
    })
    expect(JSON.parse(copied.stdout).totals).toMatchObject({ inserted: 18_000, rejected: 0 })
    const roundTrip = await postgres()
    expect((await runCli(['replicate', '--from', back, '--to', roundTrip, '--yes'], { cwd: dir })).code).toBe(
      0,
    )
    expect(await fingerprint(roundTrip)).toEqual(await fingerprint(target))
  })

  it('resumes after SIGKILL at random points with nothing lost or doubled', async () => {
    const args = ['replicate', '--from', `sqlite:${bot}`, '--batch-size', '200', '--jobs', '1', '--yes']
    const reference = await postgres()
    expect((await runCli([...args, '--to', reference], { cwd: dir })).code).toBe(0)
    const expected = await fingerprint(reference)
    const target = await postgres()
    const kills = await killAtRandomPoints({
      args: [...args, '--to', target],
      cwd: dir,
      attempts: 4,
      progress: () => countRows(target),
      total: 18_000,
      minStep: 500,
      pollMs: 10,
    })
    expect(kills).toBeGreaterThan(0)
    const resumed = await runCli([...args, '--to', target, '--json'], { cwd: dir })
    expect(resumed.code).toBe(0)
    const report = JSON.parse(resumed.stdout)
    expect(report.totals).toMatchObject({ updated: 0, deleted: 0, rejected: 0 })
    expect(report.totals.inserted + report.totals.unchanged).toBe(18_000)
    expect(await fingerprint(target)).toEqual(expected)
  })

  it('dry run writes nothing; --no-delete; usage errors exit 2, failures exit 1', async () => {
    const target = `sqlite:${join(dir, 'copy.db')}`
    const dry = await runCli(
      ['replicate', '--from', `sqlite:${bot}`, '--to', target, '--dry-run', '--json'],
      {
        cwd: dir,
      },
    )
    expect(dry.code).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, totals: { inserted: 18_000 } })
    expect((await runCli(['replicate', '--from', `sqlite:${bot}`, '--to', target], { cwd: dir })).code).toBe(
      2,
    )
    expect(
      (
        await runCli(['replicate', '--from', `sqlite:${bot}`, '--to', target, '--jobs', 'many', '--yes'], {
          cwd: dir,
        })
      ).code,
    ).toBe(2)
    expect(
      (await runCli(['replicate', '--from', 'mysql://x', '--to', target, '--yes'], { cwd: dir })).code,
    ).toBe(2)
    const missing = await runCli(
      ['replicate', '--from', `sqlite:${bot}`, '--to', target, '--yes', '--tables', 'nope'],
      {
        cwd: dir,
      },
    )
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no table nope')

    const copy = await runCli(
      ['replicate', '--from', `sqlite:${bot}`, '--to', target, '--yes', '--tables', 'trades', '--json'],
      { cwd: dir },
    )
    expect(JSON.parse(copy.stdout).totals.inserted).toBe(6_000)
    const edited = new Database(bot)
    try {
      edited.prepare('DELETE FROM orders WHERE ft_trade_id = 3').run()
      edited.prepare('DELETE FROM trades WHERE id = 3').run()
    } finally {
      edited.close()
    }
    const kept = await runCli(
      ['replicate', '--from', `sqlite:${bot}`, '--to', target, '--yes', '--tables', 'trades', '--no-delete'],
      { cwd: dir },
    )
    expect(kept.code).toBe(0)
    expect(kept.stderr).toContain('1 rows deleted in the source were kept')
    const mirrored = await runCli(
      ['replicate', '--from', `sqlite:${bot}`, '--to', target, '--yes', '--tables', 'trades', '--json'],
      { cwd: dir },
    )
    expect(JSON.parse(mirrored.stdout).totals).toMatchObject({ deleted: 1, unchanged: 5_999 })
  })

  it('backs up to a Turso-like server with --to-auth-token, which never reaches the output', async () => {
    const token = 'tursotoken-9f8e7d6c5b4a'
    const reader = new Database(bot, { readonly: true })
    const trades = Number(reader.prepare('SELECT count(*) FROM trades').pluck().get())
    reader.close()
    const server = await startHranaServer({ dbPath: join(dir, 'turso-backup.db'), authToken: token })
    try {
      const args = ['replicate', '--from', `sqlite:${bot}`, '--to', server.url, '--tables', 'trades', '--yes']
      const refused = await runCli(args, { cwd: dir })
      expect(refused.code).toBe(1)
      const copied = await runCli([...args, '--to-auth-token', token, '--json'], { cwd: dir })
      expect(copied.code, copied.stderr).toBe(0)
      expect(JSON.parse(copied.stdout).totals.inserted).toBe(trades)
      const again = await runCli([...args, '--json'], {
        cwd: dir,
        env: { LEDGERPORT_TO_AUTH_TOKEN: token },
      })
      expect(JSON.parse(again.stdout).totals.unchanged).toBe(trades)
      const wrong = await runCli([...args, '--to-auth-token', `${token}-wrong`], { cwd: dir })
      expect(wrong.code).toBe(1)
      for (const run of [refused, copied, again, wrong]) expect(run.stdout + run.stderr).not.toContain(token)
    } finally {
      await server.close()
    }
  })
})

/** Per table of a SQLite file: row count and a sha256 of every row in key order. */
function sqliteDigest(path: string): Record<string, string> {
  const db = new Database(path, { readonly: true })
  try {
    const out: Record<string, string> = {}
    for (const table of ['trades', 'orders']) {
      const hash = createHash('sha256')
      let n = 0
      for (const row of db.prepare(`SELECT * FROM ${table} ORDER BY id`).iterate()) {
        hash.update(JSON.stringify(row))
        n++
      }
      out[table] = `${n}:${hash.digest('hex')}`
    }
    return out
  } finally {
    db.close()
  }
}

describe('ledgerport replicate into a SQLite target whose disk fills (CLI)', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let mounted = false
  let reason = ''

  beforeAll(async () => {
    const temp = await createTempDir()
    dir = temp.path
    cleanup = temp.cleanup
    await mkdir(join(dir, 'disk'))
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', join(dir, 'disk')], { stdio: 'pipe' })
      mounted = true
    } catch (error) {
      reason = `cannot mount a tmpfs (needs root): ${(error as Error).message.split('\n')[0]}`
    }
  })
  afterAll(async () => {
    if (mounted) execFileSync('umount', [join(dir, 'disk')])
    await cleanup()
  })

  it('exits 1 naming the full disk, counts only what committed, and completes once space is freed', async (context) => {
    if (!mounted) {
      console.warn(`skipped: ${reason}`)
      context.skip()
    }
    const bot = join(dir, 'tradesv3.sqlite')
    writeFreqtrade(bot, 6_000)
    const file = join(dir, 'disk', 'copy.db')
    const args = ['replicate', '--from', `sqlite:${bot}`, '--to', `sqlite:${file}`, '--jobs', '1', '--yes']
    const full = await runCli([...args, '--batch-size', '500', '--json'], { cwd: dir })
    expect(full.code).toBe(1)
    const report = JSON.parse(full.stdout)
    expect(report.error).toMatch(
      /^The disk of the target sqlite:.*copy\.db is full \(SQLITE_FULL\): .*Free disk space and run the same command again/,
    )
    expect(`${full.stdout}${full.stderr}`).not.toMatch(/cannot rollback|no transaction is active|\n\s+at /)
    // Free space (as a user would), then look at what was kept: the report counts exactly that.
    execFileSync('mount', ['-o', 'remount,size=256m', join(dir, 'disk')])
    const db = new Database(file, { readonly: true })
    const kept: Record<string, number> = {}
    try {
      for (const table of ['trades', 'orders']) {
        const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table)
        kept[table] = exists ? (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n : 0
      }
    } finally {
      db.close()
    }
    expect(kept.trades! + kept.orders!).toBeLessThan(18_000)
    for (const result of report.results) expect(result.inserted).toBe(kept[result.table])
    expect(report.totals.inserted).toBe(kept.trades! + kept.orders!)
    const again = await runCli([...args, '--json'], { cwd: dir })
    expect(again.code).toBe(0)
    expect(sqliteDigest(file)).toEqual(sqliteDigest(bot))
  })
})
