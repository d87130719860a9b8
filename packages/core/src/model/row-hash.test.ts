import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { rowHash, rowHashOfKeys } from './row-hash.js'

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex')

describe('rowHash', () => {
  it('is a hex SHA-1 of sorted key\\u0001value\\u0002 pairs', () => {
    expect(rowHash({ b: 'x', a: 1 })).toBe(sha1('a\u00011\u0002b\u0001x\u0002'))
    expect(rowHash({})).toBe(sha1(''))
    expect(rowHash({ a: 'x' })).toMatch(/^[0-9a-f]{40}$/)
  })

  it('does not depend on key order', () => {
    const values = {
      symbol: 'BTCUSDT',
      price: '42000.50',
      quantity: '0.001',
      side: 'buy',
      reduce_only: false,
    }
    const reversed = Object.fromEntries(Object.entries(values).reverse())
    expect(rowHash(reversed)).toBe(rowHash(values))
  })

  it('treats null and a missing key the same', () => {
    expect(rowHash({ a: '1', b: null })).toBe(rowHash({ a: '1' }))
    expect(rowHash({ b: null })).toBe(rowHash({}))
  })

  it('hashes the number and string forms of the same integer alike', () => {
    expect(rowHash({ position_idx: 1 })).toBe(rowHash({ position_idx: '1' }))
    expect(rowHash({ big: 9007199254740991 })).toBe(rowHash({ big: '9007199254740991' }))
  })

  it('changes with any value, and keeps decimal scale as content', () => {
    const base = rowHash({ price: '1.50', side: 'buy' })
    expect(rowHash({ price: '1.5', side: 'buy' })).not.toBe(base)
    expect(rowHash({ price: '1.50', side: 'sell' })).not.toBe(base)
    expect(rowHash({ price: '1.50', side: 'buy', extra: '{}' })).not.toBe(base)
    expect(rowHash({ flag: true })).not.toBe(rowHash({ flag: false }))
    expect(rowHash({ a: '' })).not.toBe(rowHash({}))
  })

  it('cannot be fooled by separator characters inside values', () => {
    expect(rowHash({ a: 'x\u0002b\u0001y' })).not.toBe(rowHash({ a: 'x', b: 'y' }))
    expect(rowHash({ a: 'x\u0003' })).not.toBe(rowHash({ a: 'x' }))
    expect(rowHash({ 'a\u0001b': 'c' })).not.toBe(rowHash({ a: 'b\u0001c' }))
  })

  it('gives rowHashOfKeys the same result as rowHash, the key list reused or not', () => {
    const keys = ['a\u0001', 'b', 'c'] // sorted
    const rows = [
      { 'a\u0001': 'x\u0003', b: 1, c: null },
      { 'a\u0001': 'y', b: true, c: 'z\u0002' },
    ]
    for (const row of rows) {
      expect(rowHashOfKeys(row, keys)).toBe(rowHash(row))
      expect(rowHashOfKeys(row, [...keys])).toBe(rowHash(row))
    }
    expect(rowHashOfKeys({ b: 1, other: 'ignored' }, ['b'])).toBe(rowHash({ b: 1 }))
  })
})
