import { describe, expect, it } from 'vitest'
import { rowMaker } from './rows.js'
import { extraBuilder, extraOf, type SqliteRow } from './values.js'

describe('rows made from value arrays', () => {
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
