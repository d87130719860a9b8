import { type JsonInput, JsonNumber } from '@ledgerport/source-kit'
import { describe, expect, it } from 'vitest'
import { brokerOrderId, brokerOrderKey, TradeOrderIds } from './order-keys.js'

const num = (text: string) => new JsonNumber(text)

describe('TradeOrderIds', () => {
  it('gives a broker order id to the first trade order that has it, and finds that one', () => {
    const ids = new TradeOrderIds()
    expect(ids.claim('251024000512345', 0, 'entry')).toBe(true)
    expect(ids.claim('251030000098765', 1, 'exit')).toBe(true)
    expect(ids.claim('251024000512345', 7, 'entry')).toBe(false)
    expect(ids.find('251024000512345')).toEqual({ index: 0, role: 'entry' })
    expect(ids.find('251030000098765')).toEqual({ index: 1, role: 'exit' })
    expect(ids.find('251031000145678')).toBeUndefined()
    expect(ids.size).toBe(2)
    expect(brokerOrderKey('251024000512345')).toBe('order:251024000512345')
  })

  it('finds every id among many (the table grows) without recording the ones looked up', () => {
    const ids = new TradeOrderIds()
    for (let i = 0; i < 20_000; i++) ids.claim(String(250_000_000_000_000 + i), i, i % 3 ? 'entry' : 'exit')
    for (let i = 0; i < 20_000; i += 997) {
      expect(ids.find(String(250_000_000_000_000 + i))).toEqual({ index: i, role: i % 3 ? 'entry' : 'exit' })
    }
    expect(ids.find('260000000000000')).toBeUndefined()
    expect(ids.size).toBe(20_000)
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
