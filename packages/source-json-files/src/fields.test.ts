import { describe, expect, it } from 'vitest'
import { addDecimals, decimalIdentity, percentToRatio, subtractDecimals } from './decimal-math.js'
import { brokerOrderId, cleanSymbol, FieldReader } from './fields.js'
import { type JsonInput, JsonNumber, type JsonObject } from './json-stream.js'
import { SeenKeys } from './seen-keys.js'

const num = (text: string) => new JsonNumber(text)

describe('cleanSymbol', () => {
  it('strips .NS and the NSE series suffixes, keeping the rest', () => {
    expect(
      [
        'RELIANCE.NS',
        'RELIANCE-EQ',
        'IRFC-BE',
        'X-BL',
        'Y-BZ',
        'tcs-eq',
        ' INFY-EQ.NS ',
        'BAJAJ-AUTO',
        'M&M.NS',
      ].map(cleanSymbol),
    ).toEqual(['RELIANCE', 'RELIANCE', 'IRFC', 'X', 'Y', 'tcs', 'INFY', 'BAJAJ-AUTO', 'M&M'])
  })
})

describe('brokerOrderId', () => {
  it('finds the id in every order_response shape the bot stored', () => {
    const shapes: Array<[JsonInput | undefined, string | undefined]> = [
      [{ stat: 'Ok', nOrdNo: '251024000512345', stCode: num('200') }, '251024000512345'],
      [{ orderId: '251024000498761' }, '251024000498761'],
      [{ neoOrdNo: '251104000000016' }, '251104000000016'],
      [{ stat: 'Ok', nOrdNo: '1', data: { orderId: '251027000733102' } }, '251027000733102'],
      [{ data: { neoOrdNo: '251020000120456' } }, '251020000120456'],
      [{ data: { nOrdNo: num('251104000000017') } }, '251104000000017'],
      [{ order_id: 'X-1' }, 'X-1'],
      [{ data: null, orderId: 'Y-2' }, 'Y-2'],
      ['  251030000098765 ', '251030000098765'],
      [{ stat: 'Not_Ok', errMsg: 'RMS rejected' }, undefined],
      [null, undefined],
      [undefined, undefined],
      [[], undefined],
    ]
    for (const [response, id] of shapes) expect(brokerOrderId(response), JSON.stringify(response)).toBe(id)
  })
})

describe('FieldReader', () => {
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
    const r = new FieldReader(record, 'Asia/Kolkata')
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

describe('SeenKeys', () => {
  it('finds duplicates, numbers distinct records of a group, and grows without losing any', () => {
    const seen = new SeenKeys()
    expect(seen.add('RELIANCE|t1', '2451.35|40', 0)).toEqual({ ordinal: 1 })
    expect(seen.add('RELIANCE|t1', '2451.35|40', 1)).toEqual({ duplicateOf: 0 })
    expect(seen.add('RELIANCE|t1', '2451.35|41', 2)).toEqual({ ordinal: 2 })
    expect(seen.add('RELIANCE|t1', '2451.35|40', 3)).toEqual({ duplicateOf: 0 })
    expect(seen.add('RELIANCE|t1', '2451.35|41', 4)).toEqual({ duplicateOf: 2 })
    expect(seen.add('RELIANCE|t1', '2451.35|42', 5)).toEqual({ ordinal: 3 })
    for (let i = 0; i < 20_000; i++) expect(seen.add(`S${i}`, 'd', 100 + i)).toEqual({ ordinal: 1 })
    for (let i = 0; i < 20_000; i += 997) expect(seen.add(`S${i}`, 'd', 0)).toEqual({ duplicateOf: 100 + i })
    expect(seen.size).toBe(20_001)
  })
})

describe('decimal math', () => {
  it('adds, subtracts and scales exactly', () => {
    expect(addDecimals('877584.69', '0.0')).toBe('877584.69')
    expect(addDecimals('0.1', '0.2')).toBe('0.3')
    expect(subtractDecimals('28', '3')).toBe('25')
    expect(subtractDecimals('3', '3.5')).toBe('-0.5')
    expect(subtractDecimals('0.10000000000000000001', '0.1')).toBe('0.00000000000000000001')
    expect(percentToRatio('1.49')).toBe('0.0149')
    expect(percentToRatio('-0.75')).toBe('-0.0075')
    expect(decimalIdentity('2451.350')).toBe('2451.35')
    expect(decimalIdentity('40.0')).toBe('40')
    expect(decimalIdentity('400')).toBe('400')
  })
})
