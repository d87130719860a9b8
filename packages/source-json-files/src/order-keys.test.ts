import { describe, expect, it } from 'vitest'
import { brokerOrderKey, TradeOrderIds } from './order-keys.js'
import { SeenKeys } from './seen-keys.js'

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

describe('SeenKeys.find', () => {
  it('finds a key by group and detail, crowded groups too, and adds nothing', () => {
    const seen = new SeenKeys()
    seen.add('ONGC\u00002025-11-04T09:15:07', '612.4\u000010', 22)
    expect(seen.find('ONGC\u00002025-11-04T09:15:07', '612.4\u000010')).toBe(22)
    expect(seen.find('ONGC\u00002025-11-04T09:15:07', '612.4\u000011')).toBeUndefined()
    seen.add('ONGC\u00002025-11-04T09:15:07', '612.4\u000011', 23)
    expect(seen.find('ONGC\u00002025-11-04T09:15:07', '612.4\u000010')).toBe(22)
    expect(seen.find('ONGC\u00002025-11-04T09:15:07', '612.4\u000011')).toBe(23)
    expect(seen.find('TCS\u00002025-11-04T09:15:07', '612.4\u000010')).toBeUndefined()
    expect(seen.size).toBe(1)
  })
})
