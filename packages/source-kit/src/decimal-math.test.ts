import { describe, expect, it } from 'vitest'
import { addDecimals, decimalIdentity, percentToRatio, subtractDecimals } from './decimal-math.js'

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
