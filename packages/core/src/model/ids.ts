import * as crypto from 'node:crypto'

/**
 * The UUID namespace of canonical row ids. It is the UUIDv5 of `urn:ledgerport:canonical-id` in the
 * RFC 9562 URL namespace, and must never change: every id ever written depends on it.
 */
export const LEDGERPORT_ID_NAMESPACE: string = '7421fede-8fb9-5a0a-90a5-4fa57ed486ba'

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const namespaceBytes = new Map<string, Buffer>()
const sha1Hex: (data: Buffer) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha1', data, 'hex')
    : (data) => crypto.createHash('sha1').update(data).digest('hex')

/**
 * The id of a canonical row: the RFC 9562 UUIDv5 (SHA-1) of `entity`, `source` and `sourceKey` joined
 * by NUL characters, in {@link LEDGERPORT_ID_NAMESPACE}; lowercase and hyphenated. The same row gets
 * the same id in every run and on every target, so references are computed without lookups.
 *
 * ```ts
 * canonicalId('orders', 'bybit-v2', 'order:abc123') // 'xxxxxxxx-xxxx-5xxx-…'
 * ```
 *
 * @throws {Error} when a part contains a NUL character (the separator), which would make ids ambiguous.
 */
export function canonicalId(entity: string, source: string, sourceKey: string): string {
  if (entity.includes('\u0000') || source.includes('\u0000') || sourceKey.includes('\u0000')) {
    throw new Error(
      `A canonical id cannot be made of text containing a NUL character (entity ${JSON.stringify(entity)}, source ${JSON.stringify(source)}, source key ${JSON.stringify(sourceKey)}).`,
    )
  }
  return uuidv5(`${entity}\u0000${source}\u0000${sourceKey}`, LEDGERPORT_ID_NAMESPACE)
}

/**
 * RFC 9562 UUIDv5: the SHA-1 of the namespace's 16 bytes followed by the name's UTF-8 bytes, with the
 * version and variant bits set; lowercase and hyphenated.
 *
 * ```ts
 * uuidv5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8') // '886313e1-3b8a-5372-9b90-0c9aee199e5d'
 * ```
 *
 * @throws {Error} when `namespace` is not a UUID.
 */
export function uuidv5(name: string, namespace: string): string {
  let ns = namespaceBytes.get(namespace)
  if (!ns) {
    if (!UUID_TEXT.test(namespace)) throw new Error(`${JSON.stringify(namespace)} is not a UUID namespace.`)
    ns = Buffer.from(namespace.replaceAll('-', ''), 'hex')
    if (namespaceBytes.size < 64) namespaceBytes.set(namespace, ns)
  }
  const data = Buffer.allocUnsafe(16 + Buffer.byteLength(name, 'utf8'))
  ns.copy(data, 0)
  data.write(name, 16, 'utf8')
  const hex = sha1Hex(data)
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
