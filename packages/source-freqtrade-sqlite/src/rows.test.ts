import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { prepareRows, rowMaker } from './rows.js'
import { extraBuilder, extraOf, type SqliteRow } from './values.js'

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

  it('keep a column named __proto__ as an own key', () => {
    const row = rowMaker(['id', '__proto__'])([1n, 'x'])
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype)
    expect(Object.keys(row)).toEqual(['id', '__proto__'])
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('x')
  })
})

describe('extra of a known set of columns', () => {
  it('is what extraOf gives, key order included, for every set of skipped names', () => {
    const columns = ['id', 'exchange', 'pair', 'timeframe', 'max_rate', '__entry_order', 'exit_reason']
    const row: SqliteRow = rowMaker(columns)([7n, 'binance', 'BTC/USDT', 5n, 0.1 + 0.2, 3n, null])
    const consumed = new Set(['pair'])
    const build = extraBuilder(columns, consumed)
    for (const skip of [
      [],
      ['exchange'],
      ['timeframe', 'exit_reason'],
      [undefined, 'exchange', 'exchange'],
      ['nope'],
    ]) {
      const extra = build(row, ...skip)
      expect(extra).toStrictEqual(extraOf(row, consumed, ...skip))
      expect(Object.keys(extra)).toEqual(Object.keys(extraOf(row, consumed, ...skip)))
    }
    expect(build(row, 'exchange')).toEqual({
      id: 7,
      timeframe: 5,
      max_rate: '0.30000000000000004',
      exit_reason: null,
    })
  })
})
