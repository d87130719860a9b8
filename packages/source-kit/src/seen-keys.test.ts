import { describe, expect, it } from 'vitest'
import { SeenKeys } from './seen-keys.js'

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
