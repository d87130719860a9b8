import { canonicalJson } from '@ledgerport/core'
import { describe, expect, it } from 'vitest'
import { JsonDepthError, JsonNumber, JsonSyntaxError, MAX_JSON_DEPTH, parseJson } from './json-parse.js'

const nested = (levels: number, open = '[', close = ']') => `${open.repeat(levels)}${close.repeat(levels)}`

describe('parseJson', () => {
  it('parses what JSON.parse parses, to the same values', () => {
    const texts = [
      '{"rsi":31.2,"macd_hist":-12.4,"ema50":86900.1}',
      '[1, -1, 2.5e3, 1E-7, true, false, null, "x\\"y\\\\z\\n\\u00e9\\ud83d\\ude00"]',
      '  {"a": {"b": [[], {}]}, "c": ""}  ',
      '"just text"',
      '0',
      '{"a":1,"a":2}',
    ]
    for (const text of texts) expect(parseJson(text, { number: Number })).toEqual(JSON.parse(text))
  })

  it('gives every number as written: a JsonNumber by default, else what `number` makes of its text', () => {
    const value = parseJson('{"p":0.1000000000000000000001,"n":[12345678901234567890123,-0.0,1e400]}')
    expect(value).toEqual({
      p: new JsonNumber('0.1000000000000000000001'),
      n: [new JsonNumber('12345678901234567890123'), new JsonNumber('-0.0'), new JsonNumber('1e400')],
    })
    const texts: string[] = []
    parseJson('[1.50, -2e3]', { number: (text) => texts.push(text) })
    expect(texts).toEqual(['1.50', '-2e3'])
  })

  it('treats __proto__ as an ordinary key', () => {
    const value = parseJson('{"__proto__":{"polluted":true}}')
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
      '{"a":1,}',
      '01',
      '"\\x"',
      '{} {}',
    ]) {
      expect(() => parseJson(text), text).toThrow(JsonSyntaxError)
    }
    expect(() => parseJson('{"a" 1}')).toThrow('expected ":" at position 5')
    expect(() => parseJson('[1, tru]')).toThrow('unexpected token at position 4')
    expect(() => parseJson('{"a": ')).toThrow('unexpected end of the text at position 6')
  })

  it(`reads ${MAX_JSON_DEPTH} levels of arrays and objects, and refuses one more, saying where`, () => {
    expect(() => parseJson(nested(MAX_JSON_DEPTH))).not.toThrow()
    expect(() =>
      parseJson(`${'{"a":'.repeat(MAX_JSON_DEPTH - 1)}{}${'}'.repeat(MAX_JSON_DEPTH - 1)}`),
    ).not.toThrow()
    let error: unknown
    try {
      parseJson(`{"a":${nested(MAX_JSON_DEPTH)}}`)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(JsonDepthError)
    expect(error).toMatchObject({ position: 5 + MAX_JSON_DEPTH - 1, limit: MAX_JSON_DEPTH })
    expect((error as Error).message).toBe(
      `JSON nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects, the most ledgerport reads (MAX_JSON_DEPTH); level ${MAX_JSON_DEPTH + 1} opens at position ${5 + MAX_JSON_DEPTH - 1}`,
    )
  })

  it('refuses a value nested 20,000 deep without overflowing the stack', () => {
    for (const text of [nested(20_000), nested(20_000, '{"a":', '}'), `[${nested(20_000).slice(0, -5)}`]) {
      expect(() => parseJson(text)).toThrow(JsonDepthError)
    }
  })
})
