import { canonicalJson } from '@ledgerport/core'
import { JsonDepthError, JsonSyntaxError, MAX_JSON_DEPTH } from '@ledgerport/source-kit'
import { describe, expect, it } from 'vitest'
import { parseJsonColumn, RowReader } from './row-reader.js'

describe('parseJsonColumn', () => {
  it('parses to the values JSON.parse gives, when a JS number holds every number', () => {
    const text = '{"rsi":31.2,"macd_hist":-12.4,"ema50":86900.1,"f":[1,2.5e3,1E-7,true,null,"x"]}'
    expect(parseJsonColumn(text)).toEqual({ value: JSON.parse(text), lossy: false })
  })

  it('reads -0 as 0 (JSON has no negative zero to keep)', () => {
    expect(Object.is(parseJsonColumn('-0').value, 0)).toBe(true)
  })

  it('keeps integers beyond 2^53 digit for digit, as bigints canonicalJson writes back', () => {
    const { value, lossy } = parseJsonColumn('{"vol":12345678901234567890123,"n":-9007199254740993}')
    expect(value).toEqual({ vol: 12345678901234567890123n, n: -9007199254740993n })
    expect(lossy).toBe(false)
    expect(canonicalJson(value)).toBe('{"n":-9007199254740993,"vol":12345678901234567890123}')
  })

  it('flags non-integers a double cannot hold, and numbers out of range', () => {
    expect(parseJsonColumn('{"p":0.1000000000000000000001}')).toEqual({ value: { p: 0.1 }, lossy: true })
    expect(parseJsonColumn('[1e400]')).toEqual({ value: ['1e400'], lossy: true })
    expect(parseJsonColumn('[0.30000000000000004, 1.50]').lossy).toBe(false)
  })

  it('refuses text that is not JSON, and JSON nested too deep', () => {
    expect(() => parseJsonColumn('{"source":"tv", alert: long')).toThrow(JsonSyntaxError)
    expect(() =>
      parseJsonColumn(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`),
    ).toThrow(JsonDepthError)
  })
})

describe('RowReader.json', () => {
  it('keeps text that is not JSON as text, and makes JSON nested too deep an issue of the column', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`
    const r = new RowReader({ id: 1, good: '{"a":[1]}', text: 'not json', deep }, 'UTC')
    expect(r.json('good')).toEqual({ value: { a: [1] }, valid: true })
    expect(r.json('text')).toEqual({ value: 'not json', valid: false })
    expect(r.json('deep')).toBeNull()
    expect(r.invalidJson).toEqual(['text'])
    expect(r.issues).toEqual([
      {
        field: 'deep',
        reason: `holds JSON nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects, the most ledgerport reads (MAX_JSON_DEPTH); level ${MAX_JSON_DEPTH + 1} opens at position ${MAX_JSON_DEPTH}`,
      },
    ])
    expect(r.rest()).toEqual({ id: 1 })
  })
})
