import type { FieldIssue } from '@ledgerport/source-kit'
import { describe, expect, it } from 'vitest'
import { decimalOf, exitReasonOf, FieldError, instantOf, normalizePair, timeframeOf } from './values.js'

describe('Freqtrade values', () => {
  it('reads REAL as its shortest round-trip decimal, never rounding a digit', () => {
    expect(decimalOf({ v: 0.1 + 0.2 }, 'v')).toBe('0.30000000000000004')
    expect(decimalOf({ v: 1.5e-7 }, 'v')).toBe('0.00000015')
    expect(decimalOf({ v: 1e21 }, 'v')).toBe('1000000000000000000000')
    expect(decimalOf({ v: 12345678901234567890n }, 'v')).toBe('12345678901234567890')
    expect(decimalOf({ v: null }, 'v')).toBeNull()
    expect(() => decimalOf({ v: 'n/a' }, 'v')).toThrow(FieldError)
    expect(() => decimalOf({ v: Number.POSITIVE_INFINITY }, 'v')).toThrow(/not a number/)
  })

  it('fails a column with a FieldError, the issue shape sources share: the column and the reason', () => {
    let thrown: unknown
    try {
      decimalOf({ open_rate: 'n/a' }, 'open_rate')
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(FieldError)
    const issue: FieldIssue = thrown as FieldError
    expect({ field: issue.field, reason: issue.reason }).toEqual({
      field: 'open_rate',
      reason: '"n/a" is not a number',
    })
  })

  it('reads naive DATETIME text as UTC, with or without a fraction, whatever the run time zone', () => {
    expect(instantOf({ t: '2021-10-07 12:30:59.153000' }, 't')).toBe('2021-10-07T12:30:59.153000Z')
    expect(instantOf({ t: '2021-07-12 18:41:03' }, 't')).toBe('2021-07-12T18:41:03Z')
    expect(instantOf({ t: '2021-07-12T18:41:03+02:00' }, 't')).toBe('2021-07-12T16:41:03Z')
    expect(instantOf({ t: '2024-02-29 00:00:00.1' }, 't')).toBe('2024-02-29T00:00:00.1Z')
    expect(instantOf({ t: '2021-10-07 12:30:59.1234567' }, 't')).toBe('2021-10-07T12:30:59.123456Z')
    expect(instantOf({ t: 1_700_000_000 }, 't')).toBe('2023-11-14T22:13:20Z')
    expect(() => instantOf({ t: 'yesterday' }, 't')).toThrow(/is not a time/)
    expect(() => instantOf({ t: '2023-02-29 10:00:00' }, 't')).toThrow(/is not a time/)
    expect(() => instantOf({ t: '2023-01-01 24:00:00' }, 't')).toThrow(/is not a time/)
  })

  it('normalises legacy QUOTE_BASE pairs as Freqtrade did, and keeps the rest', () => {
    expect(normalizePair('BTC_ETC')).toBe('ETC/BTC')
    expect(normalizePair('BTC/USDT')).toBe('BTC/USDT')
    expect(normalizePair('1000FLOKI/USDT:USDT')).toBe('1000FLOKI/USDT:USDT')
  })

  it('gives timeframes as text: minutes or the legacy string', () => {
    expect([5n, 15n, 60n, 240n, 1440n, 10080n, 43200n, 90n].map(timeframeOf)).toEqual([
      '5m',
      '15m',
      '1h',
      '4h',
      '1d',
      '1w',
      '1M',
      '90m',
    ])
    expect(timeframeOf('5m')).toBe('5m')
    expect(timeframeOf(null)).toBeNull()
  })

  it('renames the exit reasons of Freqtrade before 2022.4', () => {
    expect(
      ['sell_signal', 'force_sell', 'emergency_sell', 'custom_sell', 'roi', 'my own'].map(exitReasonOf),
    ).toEqual(['exit_signal', 'force_exit', 'emergency_exit', 'custom_exit', 'roi', 'my own'])
  })
})
