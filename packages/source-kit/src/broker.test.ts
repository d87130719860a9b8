import { describe, expect, it } from 'vitest'
import { cleanSymbol } from './broker.js'

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
