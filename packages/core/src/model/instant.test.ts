import { describe, expect, it } from 'vitest'
import { InstantError, toInstant } from './instant.js'

const instant = (value: unknown, timeZone?: string): string => toInstant(value, timeZone).instant

describe('toInstant', () => {
  it('reads ISO-8601 text with Z or an offset', () => {
    expect(toInstant('2024-01-01T12:00:00Z')).toEqual({ instant: '2024-01-01T12:00:00Z', naive: false })
    expect(instant('2024-01-01T12:00:00+05:30')).toBe('2024-01-01T06:30:00Z')
    expect(instant('2024-01-01T12:00:00+0530')).toBe('2024-01-01T06:30:00Z')
    expect(instant('2024-01-01T12:00:00-04')).toBe('2024-01-01T16:00:00Z')
    expect(instant('2024-01-01 00:15:00+05:30')).toBe('2023-12-31T18:45:00Z')
    expect(instant('2024-01-01T12:00Z')).toBe('2024-01-01T12:00:00Z')
    expect(instant('2024-01-01t12:00:00z')).toBe('2024-01-01T12:00:00Z')
    expect(instant('2024-01-01 12:00:00 UTC')).toBe('2024-01-01T12:00:00Z')
    expect(instant('2024-01-01 12:00:00+00')).toBe('2024-01-01T12:00:00Z')
  })

  it('ignores the time zone for text that has an offset', () => {
    expect(toInstant('2024-01-01T12:00:00Z', 'Asia/Kolkata')).toEqual({
      instant: '2024-01-01T12:00:00Z',
      naive: false,
    })
  })

  it("keeps the fraction's significant digits, up to microseconds, without going through Date", () => {
    expect(toInstant('2024-01-01 12:00:00.123456')).toEqual({
      instant: '2024-01-01T12:00:00.123456Z',
      naive: true,
    })
    expect(instant('2024-01-01T12:00:00.123456+05:30')).toBe('2024-01-01T06:30:00.123456Z')
    expect(instant('2024-01-01 12:00:00.999999', 'Asia/Kolkata')).toBe('2024-01-01T06:30:00.999999Z')
    // Trailing zeros are dropped, so PostgreSQL's `.01` and SQLite's `.010` are one instant, one hash.
    expect(instant('2024-01-01T12:00:00.10Z')).toBe('2024-01-01T12:00:00.1Z')
    expect(instant('2024-01-01T12:00:00.000Z')).toBe('2024-01-01T12:00:00Z')
    expect(instant('2024-01-01T12:00:00,5Z')).toBe('2024-01-01T12:00:00.5Z')
    expect(instant('2024-01-01T12:00:00.123456789Z')).toBe('2024-01-01T12:00:00.123456Z')
    expect(instant('2024-01-01 12:00:00')).toBe('2024-01-01T12:00:00Z')
  })

  it('reads naive text in the given time zone and says it was naive', () => {
    expect(toInstant('2024-01-15 09:30:00', 'Asia/Kolkata')).toEqual({
      instant: '2024-01-15T04:00:00Z',
      naive: true,
    })
    expect(instant('2024-07-15T09:30:00', 'Asia/Kolkata')).toBe('2024-07-15T04:00:00Z')
    expect(instant('2024-01-01 00:00', 'Asia/Kolkata')).toBe('2023-12-31T18:30:00Z')
    expect(toInstant('2024-01-01 12:00:00')).toEqual({ instant: '2024-01-01T12:00:00Z', naive: true })
  })

  it('reads a date alone as midnight in the time zone', () => {
    expect(toInstant('2024-01-15')).toEqual({ instant: '2024-01-15T00:00:00Z', naive: true })
    expect(instant('2024-01-15', 'Asia/Kolkata')).toBe('2024-01-14T18:30:00Z')
    expect(instant('2024-07-04', 'America/New_York')).toBe('2024-07-04T04:00:00Z')
  })

  it('reads naive New York times on both sides of DST', () => {
    // Winter: EST, UTC-5.
    expect(instant('2024-01-15 09:30:00', 'America/New_York')).toBe('2024-01-15T14:30:00Z')
    expect(instant('2024-03-10 01:59:59', 'America/New_York')).toBe('2024-03-10T06:59:59Z')
    expect(instant('2024-11-03 02:00:00', 'America/New_York')).toBe('2024-11-03T07:00:00Z')
    // Summer: EDT, UTC-4.
    expect(instant('2024-07-15 09:30:00', 'America/New_York')).toBe('2024-07-15T13:30:00Z')
    expect(instant('2024-03-10 03:00:00', 'America/New_York')).toBe('2024-03-10T07:00:00Z')
    expect(instant('2024-11-03 00:59:59.5', 'America/New_York')).toBe('2024-11-03T04:59:59.5Z')
  })

  it('resolves DST gaps forward and overlaps to the earlier instant (Temporal "compatible")', () => {
    // 02:30 never happens on 2024-03-10 in New York: read as 03:30 EDT.
    expect(instant('2024-03-10 02:30:00', 'America/New_York')).toBe('2024-03-10T07:30:00Z')
    // 01:30 happens twice on 2024-11-03: the first one, EDT.
    expect(instant('2024-11-03 01:30:00', 'America/New_York')).toBe('2024-11-03T05:30:00Z')
    // Southern hemisphere, and a 30-minute DST shift.
    expect(instant('2024-01-15 12:00:00', 'Australia/Sydney')).toBe('2024-01-15T01:00:00Z')
    expect(instant('2024-07-15 12:00:00', 'Australia/Sydney')).toBe('2024-07-15T02:00:00Z')
    expect(instant('2024-01-15 12:00:00', 'Australia/Lord_Howe')).toBe('2024-01-15T01:00:00Z')
    expect(instant('2024-07-15 12:00:00', 'Australia/Lord_Howe')).toBe('2024-07-15T01:30:00Z')
  })

  it('agrees with Intl for every hour of 2024 in New York', () => {
    const format = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'America/New_York',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    for (let ms = Date.UTC(2024, 0, 1); ms < Date.UTC(2025, 0, 1); ms += 3_600_000 + 61_000) {
      const wall = format.format(ms).replace(', ', ' ')
      const expected = new Date(ms).toISOString().replace('.000Z', 'Z')
      const got = instant(wall, 'America/New_York')
      // An hour that happens twice reads as its first occurrence.
      if (got !== expected) expect(Date.parse(got)).toBe(ms - 3_600_000)
      else expect(got).toBe(expected)
    }
  })

  it('reads Dates, with milliseconds when there are any', () => {
    expect(toInstant(new Date(Date.UTC(2024, 0, 1, 12)))).toEqual({
      instant: '2024-01-01T12:00:00Z',
      naive: false,
    })
    expect(instant(new Date(Date.UTC(2024, 0, 1, 12, 0, 0, 7)))).toBe('2024-01-01T12:00:00.007Z')
    expect(instant(new Date(-1))).toBe('1969-12-31T23:59:59.999Z')
  })

  it('reads epoch seconds, milliseconds and microseconds by magnitude', () => {
    expect(toInstant(1704110400)).toEqual({ instant: '2024-01-01T12:00:00Z', naive: false })
    expect(instant(1704110400123)).toBe('2024-01-01T12:00:00.123Z')
    expect(instant(1704110400000)).toBe('2024-01-01T12:00:00Z')
    expect(instant(1704110400123456)).toBe('2024-01-01T12:00:00.123456Z')
    expect(instant(1704110400.5)).toBe('2024-01-01T12:00:00.5Z')
    expect(instant('1704110400')).toBe('2024-01-01T12:00:00Z')
    expect(instant(' 1704110400123 ')).toBe('2024-01-01T12:00:00.123Z')
    expect(instant('1704110400.123456')).toBe('2024-01-01T12:00:00.123456Z')
    expect(instant('1704110400123.456')).toBe('2024-01-01T12:00:00.123456Z')
    expect(instant(1704110400123456n)).toBe('2024-01-01T12:00:00.123456Z')
    expect(instant(1704110400n)).toBe('2024-01-01T12:00:00Z')
    expect(instant(0)).toBe('1970-01-01T00:00:00Z')
    expect(instant(-1.25)).toBe('1969-12-31T23:59:58.75Z')
    expect(instant(1.7e9)).toBe('2023-11-14T22:13:20Z')
    // Thresholds: below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds.
    expect(instant(99_999_999_999)).toBe('5138-11-16T09:46:39Z')
    expect(instant(100_000_000_000)).toBe('1973-03-03T09:46:40Z')
    expect(instant(99_999_999_999_999)).toBe('5138-11-16T09:46:39.999Z')
    expect(instant(100_000_000_000_000)).toBe('1973-03-03T09:46:40Z')
    expect(instant(99_999_999_999_999_999n)).toBe('5138-11-16T09:46:39.999999Z')
    // Naive or not, an epoch is UTC: the time zone does not apply.
    expect(toInstant(1704110400, 'Asia/Kolkata')).toEqual({ instant: '2024-01-01T12:00:00Z', naive: false })
  })

  it('handles the calendar edges', () => {
    expect(instant('2024-02-29 23:59:59')).toBe('2024-02-29T23:59:59Z')
    expect(instant('2000-02-29')).toBe('2000-02-29T00:00:00Z')
    expect(instant('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00Z')
    expect(instant('9999-12-31T23:59:59.999999Z')).toBe('9999-12-31T23:59:59.999999Z')
    expect(instant('1900-01-01 00:00', 'Asia/Kolkata')).toBe('1899-12-31T18:38:50Z')
    expect(instant('1969-12-31 23:59:59')).toBe('1969-12-31T23:59:59Z')
  })

  it('gives UTC text already in its own form back as it is, trailing fraction zeros dropped', () => {
    expect(toInstant('2024-01-31T12:00:00Z', 'Asia/Kolkata')).toEqual({
      instant: '2024-01-31T12:00:00Z',
      naive: false,
    })
    expect(instant('2024-01-31T12:00:00.120000Z')).toBe('2024-01-31T12:00:00.12Z')
    expect(instant('2024-01-31T12:00:00.000000Z')).toBe('2024-01-31T12:00:00Z')
    expect(instant('2024-01-31T12:00:00.000100Z')).toBe('2024-01-31T12:00:00.0001Z')
    expect(instant('2024-01-31T12:00:00.1234567Z')).toBe('2024-01-31T12:00:00.123456Z')
    expect(() => toInstant('2023-02-29T12:00:00Z')).toThrow('"2023-02-29T12:00:00Z" is not a valid date')
    expect(() => toInstant('0000-01-01T00:00:00Z')).toThrow('is not a valid date')
    expect(() => toInstant('2024-01-01T23:60:00Z')).toThrow('is not a valid time of day')
    expect(() => toInstant('2024-01-01T00:00:00Z', 'Mars/Olympus')).toThrow('Mars/Olympus')
  })

  it('refuses what is not a time, saying why', () => {
    const error = (value: unknown, timeZone?: string): string => {
      try {
        toInstant(value, timeZone)
      } catch (caught) {
        expect(caught).toBeInstanceOf(InstantError)
        return (caught as Error).message
      }
      throw new Error(`accepted ${String(value)}`)
    }
    expect(error('2024-02-30')).toBe('"2024-02-30" is not a valid date')
    expect(error('2023-02-29 12:00')).toBe('"2023-02-29 12:00" is not a valid date')
    expect(error('2024-13-01')).toBe('"2024-13-01" is not a valid date')
    expect(error('2024-01-01 24:00:00')).toBe('"2024-01-01 24:00:00" is not a valid time of day')
    expect(error('2024-01-01 12:60')).toBe('"2024-01-01 12:60" is not a valid time of day')
    expect(error('2024-01-01T12:00:00+25:00')).toBe(
      '"2024-01-01T12:00:00+25:00" has an impossible UTC offset +25:00',
    )
    expect(error('yesterday')).toContain('"yesterday" is not a time (expected ISO-8601')
    expect(error('')).toContain('"" is not a time')
    expect(error('2024/01/01')).toContain('is not a time')
    expect(error('01-02-2024')).toContain('is not a time')
    expect(error(Number.NaN)).toBe('NaN is not a time (not finite)')
    expect(error(true)).toBe('true is not a time')
    expect(error({})).toBe('{} is not a time')
    expect(error(new Date('nope'))).toBe('Date(Invalid Date) is not a time')
    expect(error(1e17)).toContain('out of range for an epoch time in seconds, milliseconds or microseconds')
    expect(error('0001-01-01 00:00', 'Asia/Kolkata')).toBe(
      '"0001-01-01 00:00" is out of range (years 0001–9999)',
    )
    expect(error('2024-01-01 12:00', 'Mars/Olympus_Mons')).toBe(
      'unknown time zone "Mars/Olympus_Mons": use an IANA name such as UTC, Asia/Kolkata or America/New_York',
    )
    expect(error('2024-01-01T12:00:00Z', 'Nowhere')).toContain('unknown time zone "Nowhere"')
  })
})
