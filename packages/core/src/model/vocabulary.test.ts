import { describe, expect, it } from 'vitest'
import { mapVocabulary } from './vocabulary.js'

const STATUS = {
  new: 'open',
  partially_filled: 'open',
  filled: 'filled',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  rejected: 'rejected',
  '1': 'pending',
} as const

describe('mapVocabulary', () => {
  it.each([
    'PartiallyFilled',
    'partially_filled',
    'PARTIALLY FILLED',
    'partially-filled',
    ' Partially.Filled ',
  ])('matches %j regardless of case and separators', (raw) => {
    expect(mapVocabulary(raw, STATUS)).toEqual({ value: 'open', sourceStatus: raw, known: true })
  })

  it('normalises the keys of the table the same way', () => {
    expect(mapVocabulary('partially_filled', { PartiallyFilled: 'open' })).toEqual({
      value: 'open',
      sourceStatus: 'partially_filled',
      known: true,
    })
  })

  it('looks numbers and booleans up by their text', () => {
    expect(mapVocabulary(1, STATUS)).toEqual({ value: 'pending', sourceStatus: '1', known: true })
    expect(mapVocabulary(true, { true: 'yes' })).toEqual({ value: 'yes', sourceStatus: 'true', known: true })
  })

  it('gives the fallback, or null, for unknown values, keeping the raw text', () => {
    expect(mapVocabulary('Weird', STATUS)).toEqual({ value: null, sourceStatus: 'Weird', known: false })
    expect(mapVocabulary('Weird', STATUS, { fallback: 'pending' })).toEqual({
      value: 'pending',
      sourceStatus: 'Weird',
      known: false,
    })
    expect(mapVocabulary({ code: 7 }, STATUS)).toEqual({
      value: null,
      sourceStatus: '{"code":7}',
      known: false,
    })
  })

  it('gives all null for null, undefined and blank values, even with a fallback', () => {
    for (const raw of [null, undefined, '', '   '])
      expect(mapVocabulary(raw, STATUS, { fallback: 'pending' })).toEqual({
        value: null,
        sourceStatus: null,
        known: false,
      })
  })

  it('refuses a table whose keys collide once normalised', () => {
    expect(() => mapVocabulary('x', { Filled: 'filled', FILLED: 'open' })).toThrow(
      'Vocabulary table keys collide',
    )
  })
})
