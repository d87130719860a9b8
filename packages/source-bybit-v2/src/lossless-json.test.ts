import { canonicalJson } from '@ledgerport/core'
import { describe, expect, it } from 'vitest'
import { JsonSyntaxError, parseJsonLossless } from './lossless-json.js'

describe('parseJsonLossless', () => {
  it('parses what JSON.parse parses, to the same values', () => {
    const texts = [
      '{"rsi":31.2,"macd_hist":-12.4,"ema50":86900.1}',
      '[1, -1, 2.5e3, 1E-7, true, false, null, "x\\"y\\\\z\\n\\u00e9\\ud83d\\ude00"]',
      '  {"a": {"b": [[], {}]}, "c": ""}  ',
      '"just text"',
      '0',
    ]
    for (const text of texts) {
      const { value, lossy } = parseJsonLossless(text)
      expect(value).toEqual(JSON.parse(text))
      expect(lossy).toBe(false)
    }
  })

  it('reads -0 as 0 (JSON has no negative zero to keep)', () => {
    expect(Object.is(parseJsonLossless('-0').value, 0)).toBe(true)
  })

  it('keeps integers beyond 2^53 digit for digit, as bigints canonicalJson writes back', () => {
    const { value, lossy } = parseJsonLossless('{"vol":12345678901234567890123,"n":-9007199254740993}')
    expect(value).toEqual({ vol: 12345678901234567890123n, n: -9007199254740993n })
    expect(lossy).toBe(false)
    expect(canonicalJson(value)).toBe('{"n":-9007199254740993,"vol":12345678901234567890123}')
  })

  it('flags non-integers a double cannot hold, and numbers out of range', () => {
    expect(parseJsonLossless('{"p":0.1000000000000000000001}')).toEqual({ value: { p: 0.1 }, lossy: true })
    expect(parseJsonLossless('[1e400]')).toEqual({ value: ['1e400'], lossy: true })
    expect(parseJsonLossless('[0.30000000000000004, 1.50]').lossy).toBe(false)
  })

  it('treats __proto__ as an ordinary key', () => {
    const { value } = parseJsonLossless('{"__proto__":{"polluted":true}}')
    expect(Object.keys(value as object)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(canonicalJson(value)).toBe('{"__proto__":{"polluted":true}}')
  })

  it('refuses text that is not JSON, saying where', () => {
    for (const text of [
      '{"source":"tv", alert: long',
      '{"features": [1, 2',
      '{note: x}',
      '',
      '[1,]',
      '01',
      '"\\x"',
      '{} {}',
    ]) {
      expect(() => parseJsonLossless(text), text).toThrow(JsonSyntaxError)
    }
    expect(() => parseJsonLossless('{"a" 1}')).toThrow('expected ":" at offset 5')
  })
})
