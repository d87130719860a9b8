import { join } from 'node:path'
import type { SourceBatch, StoredDigest } from '@ledgerport/core'
import { rowMaker } from '@ledgerport/freqtrade-mapping'
import { createTempDir, writeFreqtradeDatabase } from '@ledgerport/test-kit'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { source } from './freqtrade-source.js'
import { prepareRows, SqliteRowReader } from './sqlite-row-reader.js'
import { testContext } from './test/support.js'

let dir: { path: string; cleanup(): Promise<void> }
let path: string
beforeAll(async () => {
  dir = await createTempDir('ledgerport-ft-reader-')
  path = writeFreqtradeDatabase(join(dir.path, 'bot', 'tradesv3.sqlite'), {
    schema: 'current',
    trades: 12,
  }).path
})
afterAll(() => dir.cleanup())

describe('rows read as arrays', () => {
  it('have the keys, values and key order of better-sqlite3 objects, repeated names included', () => {
    const db = new Database(':memory:')
    try {
      db.exec(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, price REAL, pair TEXT, note TEXT, big INTEGER, \"2\" TEXT); INSERT INTO t VALUES (1, 0.1, 'BTC/USDT', NULL, 9007199254740993, 'x'), (2, 1e-7, 'ETH/USDT', 'a', 5, NULL)",
      )
      const sql = 'SELECT t.*, t.pair AS note, 7 AS __alias FROM t WHERE id > ? ORDER BY id'
      const expected = db.prepare(sql).safeIntegers(true).all(0)
      const rows = [...prepareRows(db, sql).iterate(0)]
      expect(rows).toStrictEqual(expected)
      expect(rows.map((row) => Object.keys(row))).toEqual(expected.map((row) => Object.keys(row as object)))
    } finally {
      db.close()
    }
  })
})

describe('the better-sqlite3 row reader', () => {
  it('hands over a page as value arrays in result-column order, after its side query', async () => {
    const db = new Database(path, { readonly: true })
    try {
      const reader = new SqliteRowReader(db)
      const sql = 'SELECT t.*, 7 AS __alias FROM trades t WHERE t.id > ? ORDER BY t.id LIMIT ?'
      const columns = await reader.resultColumns({ sql, args: [0, 0] })
      const pages: unknown[][] = []
      const order: string[] = []
      await reader.page(
        { sql, args: [2, 3] },
        (values) => {
          order.push('row')
          pages.push(values)
        },
        {
          statement: { sql: 'SELECT count(*) AS n FROM orders WHERE ft_trade_id > ?', args: [2] },
          use: (rows) => {
            order.push('side')
            expect(Number(rows[0]?.n)).toBeGreaterThan(0)
          },
        },
      )
      expect(order).toEqual(['side', 'row', 'row', 'row'])
      const expected = db.prepare(sql).safeIntegers(true).all(2, 3)
      expect(pages.map((values) => rowMaker(columns)(values as never))).toStrictEqual(expected)
      expect(await reader.tables()).toContain('trades')
      expect((await reader.columns('trades')).slice(0, 3)).toEqual(['id', 'exchange', 'pair'])
    } finally {
      db.close()
    }
  })
})

describe('row digests through the freqtrade-sqlite source', () => {
  const read = async (name: string, stored?: Map<string, StoredDigest>) => {
    const opened = await source.create({ db: [path], busyTimeout: 5000 }, testContext({ batchSize: 5 }))
    try {
      const stream = (await opened.discover()).find((s) => s.name === name)!
      const storedDigests = stored
        ? async (keys: ReadonlyArray<string>) =>
            new Map(keys.flatMap((key) => (stored.has(key) ? [[key, stored.get(key)!] as const] : [])))
        : undefined
      const batches: SourceBatch[] = []
      for await (const batch of opened.read(stream, undefined, storedDigests ? { storedDigests } : undefined))
        batches.push(batch)
      return batches
    } finally {
      await opened.close()
    }
  }

  it.each(['bot/trades', 'bot/orders', 'bot/balances'])(
    '%s: rows whose digest is stored are skipped unmapped',
    async (name) => {
      const first = await read(name)
      const digests = first.flatMap((b) => b.digests ?? [])
      const records = first.reduce((n, b) => n + b.records.length, 0)
      expect(digests.length).toBeGreaterThan(3)
      expect(digests.reduce((n, d) => n + d.records, 0)).toBe(records)
      const stored = new Map(digests.map((d) => [d.key, { digest: d.digest, records: d.records }]))
      // One row's stored digest is stale: only that row is mapped again.
      const stale = digests[1]!
      stored.set(stale.key, { digest: 'stale', records: stale.records })
      const again = await read(name, stored)
      expect(again.flatMap((b) => b.records).length).toBe(stale.records)
      expect(again.reduce((n, b) => n + (b.skipped ?? 0), 0)).toBe(records - stale.records)
      expect(again.flatMap((b) => b.rejects ?? []).length).toBe(first.flatMap((b) => b.rejects ?? []).length)
    },
  )
})
