import { describe, expect, it } from 'vitest'
import { JsonFieldReader, recordOf } from './json-fields.js'
import { JsonNumber, type JsonObject, MAX_JSON_DEPTH } from './json-parse.js'

const num = (text: string) => new JsonNumber(text)

describe('JsonFieldReader', () => {
  it('reads exact decimals, money text and times, and says what is wrong with each bad field', () => {
    const record: JsonObject = {
      qty: num('40'),
      price: '₹3,900.00',
      zero: num('0.0'),
      bad: 'abc',
      flag: true,
      time: '2025-10-27T09:15:04.218331',
      when: 'yesterday',
      extra1: num('27.84'),
    }
    const r = new JsonFieldReader(record, 'Asia/Kolkata')
    expect(r.decimal('qty', { required: true, positive: true })).toBe('40')
    expect(r.decimal('price', { money: true })).toBe('3900.00')
    expect(r.decimal('zero', { zeroIsNone: true })).toBeUndefined()
    expect(r.decimal('bad', { money: true, what: 'a price' })).toBeUndefined()
    expect(r.decimal('flag', { what: 'a quantity' })).toBeUndefined()
    expect(r.decimal('missing', { required: true, what: 'a quantity' })).toBeUndefined()
    expect(r.time('time')).toBe('2025-10-27T09:15:04.218331')
    expect(r.time('when')).toBeUndefined()
    expect(r.issues.map((i) => i.field)).toEqual(['bad', 'flag', 'missing', 'when'])
    expect(r.issues[1]!.reason).toBe('true is not a quantity (a boolean); write it as a number')
    // The original money text and the zero read as "none" stay in extra, with every field not read.
    expect(r.extra()).toEqual({ price: '₹3,900.00', zero: num('0.0'), extra1: num('27.84') })
    const reject = r.reject('data/t.json', 'trades[3]', 'round_trips', record)!
    expect(reject.location).toEqual({ file: 'data/t.json', path: 'trades[3].bad' })
    expect(reject.reason).toContain('trades[3].missing: is missing')
  })
})

describe('recordOf', () => {
  it('gives the object of an item, or one reject for an item nested too deep or not an object', () => {
    const object = { qty: num('1') }
    expect(
      recordOf(
        'data/t.json',
        'trades[0]',
        'round_trips',
        { section: 'trades', index: 0, value: object },
        'a trade',
      ),
    ).toEqual({
      object,
    })
    expect(
      recordOf(
        'data/t.json',
        'trades[1]',
        'round_trips',
        { section: 'trades', index: 1, value: null, tooDeep: true },
        'a trade',
      ),
    ).toEqual({
      reject: {
        entity: 'round_trips',
        location: { file: 'data/t.json', path: 'trades[1]' },
        reason: `trades[1]: nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects, the most ledgerport reads (MAX_JSON_DEPTH), so it was not read; flatten or remove it and run again`,
      },
    })
    expect(
      recordOf(
        'data/t.json',
        'trades[2]',
        'round_trips',
        { section: 'trades', index: 2, value: [num('1')] },
        'a trade',
      ),
    ).toEqual({
      reject: {
        entity: 'round_trips',
        location: { file: 'data/t.json', path: 'trades[2]' },
        reason: 'trades[2]: [1] is not a trade (an array); each item must be a JSON object',
        raw: [num('1')],
      },
    })
  })
})
