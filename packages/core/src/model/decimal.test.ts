import { describe, expect, it } from 'vitest'
import { compareDecimals, DecimalError, isPositiveDecimal, parseMoney, toDecimal } from './decimal.js'

/** mulberry32: a small seeded PRNG, so the random cases are the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

interface RandomDecimal {
  readonly text: string
  /** The value times 10^scale, exactly. */
  readonly scaled: bigint
  readonly scale: number
}

function randomDecimal(random: () => number): RandomDecimal {
  const int = (n: number): number => Math.floor(random() * n)
  const significant = 1 + int(38)
  let digits = String(1 + int(9))
  for (let i = 1; i < significant; i++) digits += String(int(10))
  if (random() < 0.05) digits = '0'
  const scale = int(Math.max(significant, 20) + 1)
  const padded = digits.padStart(scale + 1, '0')
  const integer = padded.slice(0, padded.length - scale)
  const fraction = padded.slice(padded.length - scale)
  const negative = digits !== '0' && random() < 0.5
  const text = `${negative ? '-' : ''}${integer}${scale > 0 ? `.${fraction}` : ''}`
  return { text, scaled: (negative ? -1n : 1n) * BigInt(digits), scale }
}

function compareScaled(a: RandomDecimal, b: RandomDecimal): number {
  const scale = Math.max(a.scale, b.scale)
  const x = a.scaled * 10n ** BigInt(scale - a.scale)
  const y = b.scaled * 10n ** BigInt(scale - b.scale)
  return x < y ? -1 : x > y ? 1 : 0
}

describe('toDecimal', () => {
  it.each([
    ['3900.00', '3900.00'],
    ['007.50', '7.50'],
    ['+007.50', '7.50'],
    ['.5', '0.5'],
    ['-.5', '-0.5'],
    ['5.', '5'],
    ['-0', '0'],
    ['-0.00', '0.00'],
    ['+0', '0'],
    ['000', '0'],
    ['0.000', '0.000'],
    ['  42.10\n', '42.10'],
    ['-12345678901234567890123456789012345678', '-12345678901234567890123456789012345678'],
    ['0.00000000000000000000000000000000000001', '0.00000000000000000000000000000000000001'],
  ])('normalises %j to %j', (input, expected) => {
    expect(toDecimal(input)).toBe(expected)
  })

  it.each([
    ['1e-7', '0.0000001'],
    ['1E-7', '0.0000001'],
    ['2.5E+3', '2500'],
    ['2.5e3', '2500'],
    ['1.50e1', '15.0'],
    ['123e-1', '12.3'],
    ['0.001e2', '0.1'],
    ['1.23e-2', '0.0123'],
    ['-4.2e0', '-4.2'],
    ['5e+0', '5'],
    ['1e21', '1000000000000000000000'],
    ['-0e5', '0'],
    ['.5e1', '5'],
    ['12.e1', '120'],
  ])('expands the exponent of %j to %j', (input, expected) => {
    expect(toDecimal(input)).toBe(expected)
  })

  it('reads JS numbers as their shortest round-trip text', () => {
    expect(toDecimal(0.1 + 0.2)).toBe('0.30000000000000004')
    expect(toDecimal(1e21)).toBe('1000000000000000000000')
    expect(toDecimal(1e-7)).toBe('0.0000001')
    expect(toDecimal(-0)).toBe('0')
    expect(toDecimal(42)).toBe('42')
    expect(toDecimal(-1.5)).toBe('-1.5')
    expect(toDecimal(123456.789)).toBe('123456.789')
    expect(toDecimal(2 ** 53 + 2)).toBe('9007199254740994')
    expect(toDecimal(5e-324)).toBe(`0.${'0'.repeat(323)}5`)
    expect(toDecimal(Number.MAX_VALUE)).toBe(`17976931348623157${'0'.repeat(292)}`)
  })

  it('reads bigints', () => {
    expect(toDecimal(123456789012345678901234567890n)).toBe('123456789012345678901234567890')
    expect(toDecimal(-5n)).toBe('-5')
    expect(toDecimal(0n)).toBe('0')
  })

  it('keeps 38+ significant digits exactly (never through a JS number)', () => {
    const digits = '12345678901234567890123456789012345678.123456789012345678901234567890'
    expect(toDecimal(digits)).toBe(digits)
    expect(toDecimal(`${'9'.repeat(100)}.${'1'.repeat(100)}`)).toBe(`${'9'.repeat(100)}.${'1'.repeat(100)}`)
  })

  it('round-trips 10,000 seeded random decimals of up to 38 significant digits', () => {
    const random = seededRandom(20240101)
    for (let i = 0; i < 10_000; i++) {
      const { text } = randomDecimal(random)
      const unsigned = text.replace(/^-/, '')
      const sign = text.startsWith('-') ? '-' : ''
      expect(toDecimal(text)).toBe(text)
      expect(toDecimal(` +${text.startsWith('-') ? '' : '00'}${text} `.replace('+-', '-'))).toBe(text)
      expect(toDecimal(`${sign}000${unsigned}`)).toBe(text)
      // The same value and scale written with an exponent: all digits, point moved by -scale.
      const [integer = '', fraction = ''] = unsigned.split('.')
      const exponentForm = `${sign}${integer}${fraction}e-${fraction.length}`
      expect(toDecimal(exponentForm)).toBe(text)
    }
  })

  it('refuses what is not a decimal number, saying what and why', () => {
    const error = (value: unknown): string => {
      try {
        toDecimal(value)
      } catch (caught) {
        expect(caught).toBeInstanceOf(DecimalError)
        return (caught as Error).message
      }
      throw new Error(`accepted ${String(value)}`)
    }
    expect(error('12abc')).toBe('"12abc" is not a decimal number')
    expect(error('')).toBe('"" is not a decimal number (empty)')
    expect(error('   ')).toBe('"   " is not a decimal number (empty)')
    expect(error(Number.NaN)).toBe('NaN is not a decimal number (not finite)')
    expect(error(Number.POSITIVE_INFINITY)).toBe('Infinity is not a decimal number (not finite)')
    expect(error(Number.NEGATIVE_INFINITY)).toBe('-Infinity is not a decimal number (not finite)')
    expect(error(true)).toBe('true is not a decimal number (a boolean)')
    expect(error({ a: 1 })).toBe('{"a":1} is not a decimal number (an object)')
    expect(error([1])).toBe('[1] is not a decimal number (an array)')
    expect(error(null)).toBe('null is not a decimal number (null)')
    expect(error(undefined)).toBe('undefined is not a decimal number (missing)')
    for (const text of [
      '.',
      '-',
      '+',
      'e5',
      '1e',
      '1.2.3',
      '1,000',
      '0x10',
      'NaN',
      'Infinity',
      '1 000',
      '--1',
      '१२',
    ])
      expect(error(text)).toBe(`${JSON.stringify(text)} is not a decimal number`)
    expect(error('1e999999')).toContain('is out of range')
    expect(error(`1${'0'.repeat(131_072)}`)).toContain('is out of range')
  })
})

describe('parseMoney', () => {
  it.each([
    ['₹3,900.00', '3900.00'],
    ['1,23,456.7', '123456.7'],
    ['12,34,56,789.00', '123456789.00'],
    ['1,234,567.89', '1234567.89'],
    ['$1,234', '1234'],
    ['-$1 000', '-1000'],
    ['$-12.50', '-12.50'],
    ['€ 12.5', '12.5'],
    ['£0.99', '0.99'],
    ['¥100', '100'],
    ['Rs. 1,234.50', '1234.50'],
    ['Rs.1,234.50', '1234.50'],
    ['rs 10', '10'],
    ['INR 3,900', '3900'],
    ['3,900.00 INR', '3900.00'],
    ['USD 5', '5'],
    ['5 usd', '5'],
    ['12.5 USDT', '12.5'],
    ['US$12', '12'],
    ['1_000_000.5', '1000000.5'],
    ['1 234 567', '1234567'],
    ['1\u00a0234', '1234'],
    ['  +₹42  ', '42'],
    ['3900.00', '3900.00'],
    ['1e-7', '0.0000001'],
  ])('reads %j as %j', (input, expected) => {
    expect(parseMoney(input)).toBe(expected)
  })

  it('reads numbers and bigints like toDecimal', () => {
    expect(parseMoney(0.1 + 0.2)).toBe('0.30000000000000004')
    expect(parseMoney(10n)).toBe('10')
  })

  it.each([
    ['₹3,9,00', 'separators must group thousands'],
    ['1,5', 'separators must group thousands'],
    ['1.234,56', 'separators must group thousands'],
    ['1,2345', 'separators must group thousands'],
    ['1,234_567', 'separators must group thousands'],
    ['$', 'is not a money amount'],
    ['', 'is not a money amount'],
    ['12 abc', 'is not a money amount'],
    ['$12$', 'is not a money amount'],
    ['--5', 'is not a money amount'],
    ['-$-5', 'is not a money amount'],
    ['₹ twelve', 'is not a money amount'],
  ])('refuses %j', (input, message) => {
    expect(() => parseMoney(input)).toThrow(DecimalError)
    expect(() => parseMoney(input)).toThrow(message)
    expect(() => parseMoney(input)).toThrow(JSON.stringify(input))
  })

  it('refuses non-numbers like toDecimal', () => {
    expect(() => parseMoney(false)).toThrow('false is not a decimal number (a boolean)')
  })
})

describe('compareDecimals and isPositiveDecimal', () => {
  it.each([
    ['1.50', '1.5', 0],
    ['-0', '0.000', 0],
    ['1', '2', -1],
    ['-2', '1', -1],
    ['-2', '-10', 1],
    ['0.001', '0.0001', 1],
    ['100', '99.999999999999999999999999999999999999', 1],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345679', -1],
    ['1e3', '1000.0', 0],
  ] as const)('compares %s with %s: %i', (a, b, expected) => {
    expect(compareDecimals(a, b)).toBe(expected)
    expect(compareDecimals(b, a)).toBe(expected === 0 ? 0 : -expected)
  })

  it('agrees with BigInt arithmetic on 5,000 seeded random pairs', () => {
    const random = seededRandom(7)
    for (let i = 0; i < 5_000; i++) {
      const a = randomDecimal(random)
      const b = random() < 0.1 ? a : randomDecimal(random)
      expect(compareDecimals(a.text, b.text)).toBe(compareScaled(a, b))
    }
  })

  it('tells positive numbers', () => {
    expect(isPositiveDecimal('0.00000001')).toBe(true)
    expect(isPositiveDecimal('3900.00')).toBe(true)
    expect(isPositiveDecimal('0')).toBe(false)
    expect(isPositiveDecimal('0.00')).toBe(false)
    expect(isPositiveDecimal('-0')).toBe(false)
    expect(isPositiveDecimal('-1')).toBe(false)
  })

  it('refuses text that is not a decimal number', () => {
    expect(() => compareDecimals('abc', '1')).toThrow('"abc" is not a decimal number')
    expect(() => isPositiveDecimal('')).toThrow(DecimalError)
  })
})
