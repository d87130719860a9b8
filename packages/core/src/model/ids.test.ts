import { describe, expect, it } from 'vitest'
import { canonicalId, LEDGERPORT_ID_NAMESPACE, uuidv5 } from './ids.js'

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8'
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8'
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('uuidv5', () => {
  it('matches known vectors', () => {
    // Python's uuid docs: uuid5(NAMESPACE_DNS, 'python.org').
    expect(uuidv5('python.org', DNS_NAMESPACE)).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d')
    // RFC 9562 appendix A.4.
    expect(uuidv5('www.example.com', DNS_NAMESPACE)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2')
    expect(uuidv5('python.org', DNS_NAMESPACE.toUpperCase())).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d')
  })

  it('hashes the name as UTF-8', () => {
    expect(uuidv5('₹', DNS_NAMESPACE)).not.toBe(uuidv5('?', DNS_NAMESPACE))
    expect(uuidv5('₹', DNS_NAMESPACE)).toMatch(UUID_V5)
  })

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidv5('x', 'not-a-uuid')).toThrow('"not-a-uuid" is not a UUID namespace.')
  })
})

describe('canonicalId', () => {
  it('uses a namespace derived from the URL namespace', () => {
    expect(LEDGERPORT_ID_NAMESPACE).toBe(uuidv5('urn:ledgerport:canonical-id', URL_NAMESPACE))
  })

  it('is the UUIDv5 of entity, source and source key joined by NUL', () => {
    const id = canonicalId('orders', 'bybit-v2', 'order:abc123')
    expect(id).toMatch(UUID_V5)
    expect(id).toBe(uuidv5('orders\u0000bybit-v2\u0000order:abc123', LEDGERPORT_ID_NAMESPACE))
    // Pinned (cross-checked with Python's uuid.uuid5): ids are stored in targets and must never change.
    expect(id).toBe('f61028a2-083c-5727-8af3-552476e54afb')
  })

  it('is stable and differs when any part differs', () => {
    const ids = new Set([
      canonicalId('orders', 'bybit-v2', '1'),
      canonicalId('fills', 'bybit-v2', '1'),
      canonicalId('orders', 'json-files', '1'),
      canonicalId('orders', 'bybit-v2', '2'),
      canonicalId('orders', 'bybit-v', '2\u00001'.replace('\u0000', '')),
    ])
    expect(ids.size).toBe(5)
    expect(canonicalId('orders', 'bybit-v2', '1')).toBe(canonicalId('orders', 'bybit-v2', '1'))
  })

  it('refuses NUL characters, which would make ids ambiguous', () => {
    expect(() => canonicalId('orders', 'a\u0000b', 'c')).toThrow('NUL character')
    expect(() => canonicalId('orders', 'a', 'b\u0000c')).toThrow('NUL character')
  })
})
