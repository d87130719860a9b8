import { describe, expect, it } from 'vitest'
import { MAX_CANONICAL_JSON_DEPTH } from './bounded-json.js'
import type { CanonicalRecord } from './canonical-record.js'
import { ENTITY_COLUMNS } from './entities.js'
import { canonicalJson, normalizeRecord } from './normalize-record.js'

const UTC = { timeZone: 'UTC' }

const fill = (values: CanonicalRecord['values'], extra?: CanonicalRecord['extra']): CanonicalRecord => ({
  entity: 'fills',
  sourceKey: 'fill:1',
  values,
  ...(extra === undefined ? {} : { extra }),
})

const VALID_FILL = {
  order_id: { ref: 'orders', sourceKey: 'order:1' },
  symbol: 'BTCUSDT',
  side: 'buy',
  price: '42000.50',
  quantity: 0.001,
  is_maker: 1,
  executed_at: '2024-01-01 12:00:00.123456',
} as const

describe('normalizeRecord', () => {
  it('normalises every column and fills the missing ones with null', () => {
    const { record, issues } = normalizeRecord(
      fill(VALID_FILL, { trade_id: 9007199254740993n, b: 1, a: 'x' }),
      UTC,
    )
    expect(issues).toEqual([])
    expect(record).toEqual({
      values: {
        order_id: { ref: 'orders', sourceKey: 'order:1' },
        user_id: null,
        exchange: null,
        symbol: 'BTCUSDT',
        side: 'buy',
        price: '42000.50',
        quantity: '0.001',
        fee: null,
        fee_currency: null,
        is_maker: true,
        realized_pnl: null,
        exchange_fill_id: null,
        executed_at: '2024-01-01T12:00:00.123456Z',
      },
      extra: '{"a":"x","b":1,"trade_id":9007199254740993}',
      naiveTimes: 1,
    })
    expect(Object.keys(record!.values)).toEqual(ENTITY_COLUMNS.fills.map((column) => column.name))
  })

  it('reads naive times in the time zone and counts them once with the record’s own count (the larger)', () => {
    const naive = fill({ ...VALID_FILL, executed_at: '2024-01-15 09:30:00' })
    const { record } = normalizeRecord({ ...naive, naiveTimes: 2 }, { timeZone: 'Asia/Kolkata' })
    expect(record?.values.executed_at).toBe('2024-01-15T04:00:00Z')
    expect(record?.naiveTimes).toBe(2)
    // A source that counts the naive text it leaves in values, as the JSDoc allows: once, not twice.
    expect(normalizeRecord({ ...naive, naiveTimes: 1 }, UTC).record?.naiveTimes).toBe(1)
    expect(normalizeRecord(naive, UTC).record?.naiveTimes).toBe(1)
    const aware = normalizeRecord(fill({ ...VALID_FILL, executed_at: new Date(0) }), UTC)
    expect(aware.record?.naiveTimes).toBe(0)
    expect(aware.record?.values.executed_at).toBe('1970-01-01T00:00:00Z')
  })

  it('collects every issue of a record at once, and gives no record', () => {
    const result = normalizeRecord(
      fill({
        price: 'abc',
        side: 'BUY',
        is_maker: 'maybe',
        executed_at: '2024-02-30',
        order_id: { ref: 'users', sourceKey: 'u1' },
        fee_rate: '0.001',
        id: 'mine',
      }),
      UTC,
    )
    expect(result.record).toBeUndefined()
    expect(result.issues).toEqual([
      { field: 'fee_rate', reason: 'is not a column of fills; put it in extra' },
      {
        field: 'id',
        reason:
          'is set by the engine, not by a source; it is not one of the columns of fills a source fills (put source fields in extra)',
      },
      {
        field: 'order_id',
        reason: '{"ref":"users","sourceKey":"u1"} refers to users, but this column refers to orders',
      },
      { field: 'symbol', reason: 'is required' },
      { field: 'side', reason: '"BUY" is not one of buy, sell' },
      { field: 'price', reason: '"abc" is not a decimal number' },
      { field: 'quantity', reason: 'is required' },
      { field: 'is_maker', reason: '"maybe" is not a boolean (expected true/false, yes/no or 1/0)' },
      { field: 'executed_at', reason: '"2024-02-30" is not a valid date' },
    ])
  })

  it('ignores keys whose value is undefined, and treats undefined and null as missing', () => {
    const { record, issues } = normalizeRecord(
      fill({ ...VALID_FILL, unknown_but_undefined: undefined, fee: null }),
      UTC,
    )
    expect(issues).toEqual([])
    expect(record?.values.fee).toBeNull()
  })

  it('does not use parseMoney: money text is the source’s job', () => {
    expect(normalizeRecord(fill({ ...VALID_FILL, price: '₹3,900.00' }), UTC).issues).toEqual([
      { field: 'price', reason: '"₹3,900.00" is not a decimal number' },
    ])
  })

  it('normalises integers: safe ones as numbers, larger ones as text, within 64 bits', () => {
    const order = (position_idx: unknown) =>
      normalizeRecord(
        {
          entity: 'orders',
          sourceKey: 'o1',
          values: {
            symbol: 'BTCUSDT',
            side: 'sell',
            status: 'open',
            position_idx,
          } as CanonicalRecord['values'],
        },
        UTC,
      )
    expect(order(2).record?.values.position_idx).toBe(2)
    expect(order('7').record?.values.position_idx).toBe(7)
    expect(order('5.00').record?.values.position_idx).toBe(5)
    expect(order(-0).record?.values.position_idx).toBe(0)
    expect(order(12n).record?.values.position_idx).toBe(12)
    expect(order('9223372036854775807').record?.values.position_idx).toBe('9223372036854775807')
    expect(order(2n ** 60n).record?.values.position_idx).toBe('1152921504606846976')
    // An unsafe double is already approximate: it becomes its shortest round-trip text, like a decimal.
    expect(order(2 ** 60).record?.values.position_idx).toBe('1152921504606847000')
    expect(order(1.5).issues).toEqual([{ field: 'position_idx', reason: '1.5 is not an integer' }])
    expect(order('1.5').issues).toEqual([{ field: 'position_idx', reason: '"1.5" is not an integer' }])
    expect(order('x').issues).toEqual([{ field: 'position_idx', reason: '"x" is not an integer' }])
    expect(order(true).issues).toEqual([{ field: 'position_idx', reason: 'true is not an integer' }])
    expect(order('9223372036854775808').issues).toEqual([
      { field: 'position_idx', reason: '"9223372036854775808" is outside the 64-bit integer range' },
    ])
  })

  it('normalises booleans', () => {
    const maker = (is_maker: unknown) =>
      normalizeRecord(fill({ ...VALID_FILL, is_maker } as CanonicalRecord['values']), UTC).record?.values
        .is_maker
    for (const yes of [true, 1, 1n, 'true', 'TRUE', 'yes', 'Yes', '1', 't']) expect(maker(yes)).toBe(true)
    for (const no of [false, 0, 0n, 'false', 'False', 'no', 'NO', '0', 'f']) expect(maker(no)).toBe(false)
    expect(maker(2)).toBeUndefined()
  })

  it('normalises text: strings as they are, numbers as text, objects refused', () => {
    const exchange = (value: unknown) =>
      normalizeRecord(fill({ ...VALID_FILL, exchange: value } as CanonicalRecord['values']), UTC)
    expect(exchange('  Bybit ').record?.values.exchange).toBe('  Bybit ')
    expect(exchange(42).record?.values.exchange).toBe('42')
    expect(exchange(42n).record?.values.exchange).toBe('42')
    expect(exchange({ a: 1 }).issues).toEqual([
      {
        field: 'exchange',
        reason: '{"a":1} is not text (an object); structured data goes in a json column or extra',
      },
    ])
    expect(exchange(true).issues).toEqual([{ field: 'exchange', reason: 'true is not text (a boolean)' }])
  })

  it('writes json columns as canonical JSON text', () => {
    const { record } = normalizeRecord(
      {
        entity: 'bots',
        sourceKey: 'bot:1',
        // A lossless JSON parser may give bigints inside a json value (CanonicalValue's JsonValue has none).
        values: {
          config: { stake: '100.00', pairs: ['BTC/USDT'], a: null, big: 12345678901234567890n },
        } as unknown as CanonicalRecord['values'],
      },
      UTC,
    )
    expect(record?.values.config).toBe(
      '{"a":null,"big":12345678901234567890,"pairs":["BTC/USDT"],"stake":"100.00"}',
    )
    const bad = normalizeRecord(
      { entity: 'bots', sourceKey: 'bot:1', values: { config: { x: Number.NaN } } },
      UTC,
    )
    expect(bad.issues).toEqual([{ field: 'config', reason: 'NaN at $.x cannot be stored as JSON' }])
  })

  it('checks references', () => {
    const order = (order_id: unknown) =>
      normalizeRecord(fill({ ...VALID_FILL, order_id } as CanonicalRecord['values']), UTC)
    const ref = { ref: 'orders', sourceKey: 'o1', source: 'cli' }
    expect(order(ref).record?.values.order_id).toBe(ref)
    expect(order('o1').issues[0]?.reason).toBe(
      `"o1" is not a reference to orders (expected { ref: 'orders', sourceKey: '…' })`,
    )
    expect(order({ ref: 'orders' }).issues[0]?.reason).toContain('is not a reference to orders')
    expect(order({ ref: 'orders', sourceKey: 'o1', source: 3 }).issues[0]?.reason).toContain(
      'has a source that is not a non-empty string',
    )
  })

  it('turns empty extra into null and reports extra that JSON cannot hold', () => {
    expect(normalizeRecord(fill(VALID_FILL, {}), UTC).record?.extra).toBeNull()
    expect(normalizeRecord(fill(VALID_FILL, { a: undefined }), UTC).record?.extra).toBeNull()
    expect(normalizeRecord(fill(VALID_FILL), UTC).record?.extra).toBeNull()
    expect(normalizeRecord(fill(VALID_FILL, { m: new Map() }), UTC).issues).toEqual([
      { field: 'extra', reason: 'a Map at $.m cannot be stored as JSON; convert it first' },
    ])
  })

  it('reports an unknown table, an empty source key and an unknown time zone', () => {
    expect(
      normalizeRecord({ entity: 'trades' as 'fills', sourceKey: 'x', values: {} }, UTC).issues[0]?.field,
    ).toBe('entity')
    expect(normalizeRecord({ ...fill(VALID_FILL), sourceKey: '' }, UTC).issues).toEqual([
      { field: 'sourceKey', reason: '"" is not a non-empty string' },
    ])
    expect(normalizeRecord({ ...fill(VALID_FILL), sourceKey: 'a\u0000b' }, UTC).issues).toEqual([
      { field: 'sourceKey', reason: '"a\\u0000b" contains a NUL character' },
    ])
    expect(
      normalizeRecord(fill({ ...VALID_FILL, order_id: { ref: 'orders', sourceKey: 'x\u0000' } }), UTC)
        .issues[0]?.reason,
    ).toContain('contains a NUL character')
    expect(normalizeRecord(fill(VALID_FILL), { timeZone: 'Nope/Nope' }).issues[0]?.reason).toContain(
      'unknown time zone "Nope/Nope"',
    )
  })
})

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined keys and has no whitespace', () => {
    expect(canonicalJson({ b: { d: 1, c: [3, { z: 1, y: 2 }] }, a: undefined, e: 'x' })).toBe(
      '{"b":{"c":[3,{"y":2,"z":1}],"d":1},"e":"x"}',
    )
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }))
  })

  it('is lossless for bigints and decimal strings, writes Dates as ISO and honours toJSON', () => {
    expect(canonicalJson(123456789012345678901234567890n)).toBe('123456789012345678901234567890')
    expect(canonicalJson({ price: '0.10000000000000000000000000000000000001' })).toBe(
      '{"price":"0.10000000000000000000000000000000000001"}',
    )
    expect(canonicalJson(new Date(Date.UTC(2024, 0, 1)))).toBe('"2024-01-01T00:00:00.000Z"')
    expect(canonicalJson({ id: { toJSON: () => 'abc' } })).toBe('{"id":"abc"}')
    expect(canonicalJson([undefined, 1])).toBe('[null,1]')
    expect(canonicalJson(undefined)).toBe('null')
    expect(canonicalJson('he said "hi"\n')).toBe('"he said \\"hi\\"\\n"')
    expect(canonicalJson(0.1 + 0.2)).toBe('0.30000000000000004')
  })

  it('refuses what JSON cannot hold without loss, naming the path', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => canonicalJson(cyclic)).toThrow('a circular reference at $.self cannot be stored as JSON')
    expect(() => canonicalJson([1, Number.POSITIVE_INFINITY])).toThrow(
      'Infinity at $[1] cannot be stored as JSON',
    )
    expect(() => canonicalJson({ f: () => 1 })).toThrow('a function at $.f cannot be stored as JSON')
    expect(() => canonicalJson(new Uint8Array(2))).toThrow('a Uint8Array at $ cannot be stored as JSON')
    expect(() => canonicalJson({ d: new Date('x') })).toThrow('an invalid Date at $.d')
  })

  it('sorts every shape right, however many shapes alternate and in whatever key order', () => {
    const shapes = Array.from({ length: 12 }, (_, shape) =>
      Object.fromEntries(Array.from({ length: shape + 2 }, (_, key) => [`k${(key * 7) % (shape + 2)}`, key])),
    )
    for (let round = 0; round < 3; round++) {
      for (const shape of shapes) {
        const sorted = Object.keys(shape).sort()
        expect(canonicalJson(shape)).toBe(JSON.stringify(shape, sorted))
        const reversed = Object.fromEntries(Object.entries(shape).reverse())
        expect(canonicalJson(reversed)).toBe(canonicalJson(shape))
      }
    }
    expect(canonicalJson({ b: undefined, a: null, c: -0 })).toBe('{"a":null,"c":0}')
  })

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { a: 1 }
    expect(canonicalJson([shared, shared])).toBe('[{"a":1},{"a":1}]')
  })
})

describe('canonicalJson of hostile values', () => {
  const nestedArray = (depth: number): unknown => {
    let value: unknown = []
    for (let level = 1; level < depth; level++) value = [value]
    return value
  }
  it(`writes ${MAX_CANONICAL_JSON_DEPTH} levels and refuses one more (or 20,000) with the path, not a stack overflow`, () => {
    expect(canonicalJson(nestedArray(MAX_CANONICAL_JSON_DEPTH))).toBe(
      `${'['.repeat(MAX_CANONICAL_JSON_DEPTH)}${']'.repeat(MAX_CANONICAL_JSON_DEPTH)}`,
    )
    expect(() => canonicalJson(nestedArray(MAX_CANONICAL_JSON_DEPTH + 1))).toThrow(
      `holds JSON nested deeper than ${MAX_CANONICAL_JSON_DEPTH} levels of arrays and objects, the most ledgerport stores (level ${MAX_CANONICAL_JSON_DEPTH + 1} at $[0][0][0]`,
    )
    expect(() => canonicalJson(nestedArray(20_000))).toThrow(/nested deeper than/)
  })
  it('keeps a 5 MB string and a 100,000-element array exactly, and refuses NaN and ±Infinity', () => {
    const huge = 'é'.repeat(5_000_000)
    const array = Array.from({ length: 100_000 }, (_, i) => i)
    expect(JSON.parse(canonicalJson({ huge, array }))).toEqual({ array, huge })
    expect(() => canonicalJson({ a: [1, Number.NaN] })).toThrow('NaN at $.a[1] cannot be stored as JSON')
    expect(() => canonicalJson({ a: Number.NEGATIVE_INFINITY })).toThrow(
      '-Infinity at $.a cannot be stored as JSON',
    )
  })
  it('rejects a record whose extra is 20,000 levels deep, naming the field', () => {
    const { issues } = normalizeRecord(
      { entity: 'orders', sourceKey: 'o', values: {}, extra: { x: nestedArray(20_000) } },
      { timeZone: 'UTC' },
    )
    expect(issues.find((issue) => issue.field === 'extra')?.reason).toMatch(
      new RegExp(
        `^holds JSON nested deeper than ${MAX_CANONICAL_JSON_DEPTH} levels .*; flatten it or leave it out$`,
      ),
    )
  })
})
