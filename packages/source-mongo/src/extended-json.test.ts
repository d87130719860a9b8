import { Binary, BSONRegExp, Decimal128, MaxKey, MinKey, ObjectId, Timestamp } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { toRelaxedJson } from './bson-values.js'
import { ExtendedJsonError, parseExtendedJson } from './extended-json.js'

/** Lines of `shared/reference/mongoexport.md` §3.3. */
const RELAXED_1 =
  '{"_id":{"$oid":"6721f0c2a9cc81b4027498b5"},"symbol":"BTCUSDT","side":"Buy","qty":0.004,"price":{"$numberDecimal":"86262.30"},"fee":0.1898,"filled":true,"orderId":"1f0b3c51-6d8e-4c0e-9a7d-3f5f8a2e9b11","seq":4688002127,"createdAt":{"$date":"2025-03-01T09:15:00.731Z"},"closedAt":null,"tags":["ml","lgbm_v7"],"legs":2}'
const RELAXED_2 =
  '{"_id":{"$oid":"6721f0c2a9cc81b4027498b6"},"symbol":"ETHUSDT","side":"Sell","qty":1.0,"price":{"$numberDecimal":"2231.10"},"fee":0.0223,"filled":true,"orderId":"6c7e2a10-95d3-4b61-8f44-0d1b7e3a2c98","seq":9007199254740993,"createdAt":{"$date":"2025-03-01T11:30:01Z"},"closedAt":{"$date":{"$numberLong":"-1000"}},"tags":[],"legs":1}'
const CANONICAL_1 =
  '{"_id":{"$oid":"6721f0c2a9cc81b4027498b5"},"symbol":"BTCUSDT","side":"Buy","qty":{"$numberDouble":"0.004"},"price":{"$numberDecimal":"86262.30"},"fee":{"$numberDouble":"0.1898"},"filled":true,"orderId":"1f0b3c51-6d8e-4c0e-9a7d-3f5f8a2e9b11","seq":{"$numberLong":"4688002127"},"createdAt":{"$date":{"$numberLong":"1740820500731"}},"closedAt":null,"tags":["ml","lgbm_v7"],"legs":{"$numberInt":"2"}}'
const LEGACY_1 =
  '{"_id":{"$oid":"6721f0c2a9cc81b4027498b5"},"symbol":"BTCUSDT","side":"Buy","qty":0.004,"price":{"$numberDecimal":"86262.30"},"fee":0.1898,"filled":true,"orderId":"1f0b3c51-6d8e-4c0e-9a7d-3f5f8a2e9b11","seq":{"$numberLong":"4688002127"},"createdAt":{"$date":"2025-03-01T09:15:00.731Z"},"closedAt":null,"tags":["ml","lgbm_v7"],"legs":2}'

const parse = (text: string) => parseExtendedJson(text) as Record<string, unknown>

describe('parseExtendedJson', () => {
  it('reads the relaxed, canonical and legacy forms of one document into the same BSON values', () => {
    const relaxed = parse(RELAXED_1)
    expect(relaxed._id).toEqual(new ObjectId('6721f0c2a9cc81b4027498b5'))
    expect(relaxed.price).toBeInstanceOf(Decimal128)
    expect(String(relaxed.price)).toBe('86262.30')
    expect(relaxed.createdAt).toEqual(new Date('2025-03-01T09:15:00.731Z'))
    expect(relaxed).toMatchObject({
      qty: 0.004,
      fee: 0.1898,
      filled: true,
      seq: 4688002127,
      legs: 2,
      closedAt: null,
    })
    const relaxedJson = toRelaxedJson(relaxed)
    expect(toRelaxedJson(parse(CANONICAL_1))).toEqual(relaxedJson)
    expect(toRelaxedJson(parse(LEGACY_1))).toEqual(relaxedJson)
  })

  it('keeps a relaxed Int64 above 2^53 digit for digit, and pre-1970 dates', () => {
    const second = parse(RELAXED_2)
    expect(second.seq).toBe(9007199254740993n)
    expect(second.qty).toBe(1)
    expect(second.closedAt).toEqual(new Date(-1000))
    expect(parse('{"big":123456789012345678901234567890,"neg":-9223372036854775808,"x":1.5e300}')).toEqual({
      big: 123456789012345678901234567890n,
      neg: -9223372036854775808n,
      x: 1.5e300,
    })
    expect(parse('{"n":{"$numberLong":"9223372036854775807"}}').n).toBe(9223372036854775807n)
  })

  it('reads every type wrapper, with keys in any order', () => {
    const value = parse(
      JSON.stringify({
        uuid: { $uuid: 'c8edabc3-f738-4ca3-b68d-ab92a91478a3' },
        bin: { $binary: { subType: '0', base64: 'AQID' } },
        legacyBin: { $binary: 'AQID', $type: '80' },
        ts: { $timestamp: { i: 1, t: 42 } },
        re: { $regularExpression: { options: 'ix', pattern: 'foo*' } },
        legacyRe: { $regex: '^a', $options: 'm' },
        min: { $minKey: 1 },
        max: { $maxKey: 1 },
        nan: { $numberDouble: 'NaN' },
        inf: { $numberDouble: '-Infinity' },
        epoch: { $date: 1672282722429 },
        undef: { $undefined: true },
        sym: { $symbol: 'abc' },
        ref: { $ref: 'users', $id: { $oid: '6721f0c2a9cc81b4027498b5' } },
        dollar: { $foo: 1, bar: 2 },
        query: { $regex: { $gt: 1 } },
      }),
    )
    expect(value.uuid).toBeInstanceOf(Binary)
    expect((value.uuid as Binary).sub_type).toBe(4)
    expect(Buffer.from((value.bin as Binary).buffer)).toEqual(Buffer.from([1, 2, 3]))
    expect((value.legacyBin as Binary).sub_type).toBe(0x80)
    expect(value.ts).toEqual(new Timestamp({ t: 42, i: 1 }))
    expect(value.re).toEqual(new BSONRegExp('foo*', 'ix'))
    expect(value.legacyRe).toEqual(new BSONRegExp('^a', 'm'))
    expect(value.min).toBeInstanceOf(MinKey)
    expect(value.max).toBeInstanceOf(MaxKey)
    expect(value.nan).toBeNaN()
    expect(value.inf).toBe(Number.NEGATIVE_INFINITY)
    expect(value.epoch).toEqual(new Date('2022-12-29T02:58:42.429Z'))
    expect(value.undef).toBeNull()
    expect(value.sym).toBe('abc')
    expect(toRelaxedJson(value.ref)).toEqual({ $ref: 'users', $id: { $oid: '6721f0c2a9cc81b4027498b5' } })
    expect(value.dollar).toEqual({ $foo: 1, bar: 2 })
    expect(value.query).toEqual({ $regex: { $gt: 1 } })
  })

  it('refuses malformed wrappers and invalid JSON, saying where', () => {
    const error = (text: string) => {
      try {
        parseExtendedJson(text)
      } catch (caught) {
        expect(caught).toBeInstanceOf(ExtendedJsonError)
        return (caught as Error).message
      }
      throw new Error(`${text} parsed`)
    }
    expect(error('{"user":{"id":{"$oid":"xyz"}}}')).toBe('user.id: $oid has a malformed value "xyz"')
    expect(error('{"n":{"$numberInt":"2147483648"}}')).toBe(
      'n: $numberInt has a malformed value "2147483648"',
    )
    expect(error('{"d":{"$date":"yesterday"}}')).toBe('d: $date has a malformed value "yesterday"')
    expect(error('{"p":{"$numberDecimal":"12abc"}}')).toBe('p: $numberDecimal has a malformed value "12abc"')
    expect(error('{"a":[{"$numberDouble":"1,5"}]}')).toBe('a[0]: $numberDouble has a malformed value "1,5"')
    expect(error('{"_id": 1, "a": ')).toMatch(/^not valid JSON \(/)
    expect(error('{"big": 12345678901234567890, "a": tru}')).toMatch(
      /^not valid JSON \(unexpected token at position 35\)$/,
    )
    expect(error('{"big": 12345678901234567890} x')).toMatch(/unexpected text after the value/)
  })

  it('parses by hand exactly as JSON.parse does, besides big integers', () => {
    const text =
      '{"s":"a\\"b\\\\c\\u00e9\\n","__proto__":{"x":1},"e":[],"o":{},"n":-0.5e-3,"t":true,"f":false,"z":null,"big":12345678901234567}'
    const value = parse(text)
    expect(Object.keys(value)).toEqual(['s', '__proto__', 'e', 'o', 'n', 't', 'f', 'z', 'big'])
    expect(value).toEqual({ ...JSON.parse(text.replace('12345678901234567', '0')), big: 12345678901234567n })
  })
})
