import { type Document, deserialize, serialize } from 'bson'

/** OP_REPLY: the reply to an OP_QUERY. */
export const OP_REPLY = 1
/** OP_QUERY: legacy; drivers send their first handshake with it. */
export const OP_QUERY = 2004
/** OP_COMPRESSED: only after a compressor was negotiated, which this server never offers. */
export const OP_COMPRESSED = 2012
/** OP_MSG: every command and reply since MongoDB 3.6. */
export const OP_MSG = 2013

/**
 * OP_MSG flag bits: a CRC-32C checksum ends the message; the sender expects no reply. (Bit 16,
 * `exhaustAllowed`, may be ignored: this server never streams replies.)
 */
const CHECKSUM_PRESENT = 1 << 0
const MORE_TO_COME = 1 << 1
/** Bits 0–15 must be understood by the receiver; the others may be ignored. */
const REQUIRED_BITS = 0xffff

/** How received documents are decoded: every BSON type kept (Int32, Double, Int64 stay distinct). */
const DECODE = { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true } as const

/** The 16-byte header of every message. */
export interface MessageHeader {
  readonly length: number
  readonly requestId: number
  readonly responseTo: number
  readonly opCode: number
}

/** A command received by OP_MSG or (for the first handshake) OP_QUERY. */
export interface CommandRequest {
  readonly header: MessageHeader
  /** The database (`$db` of an OP_MSG, the namespace's prefix of an OP_QUERY). */
  readonly database: string
  /** The command document; document sequences (kind-1 sections) are merged in under their identifier. */
  readonly command: Document
  /** Whether the reply must be an OP_REPLY (the request was an OP_QUERY). */
  readonly legacy: boolean
  /** The client wants no reply (OP_MSG `moreToCome`, e.g. unacknowledged writes). */
  readonly noReply: boolean
}

/** A message that breaks the protocol: the connection is closed, as mongod does. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'
}

/** Reads a message header at the start of `data`. */
export function readHeader(data: Buffer): MessageHeader {
  return {
    length: data.readInt32LE(0),
    requestId: data.readInt32LE(4),
    responseTo: data.readInt32LE(8),
    opCode: data.readInt32LE(12),
  }
}

function readCString(data: Buffer, offset: number, end: number): { text: string; next: number } {
  const zero = data.indexOf(0, offset)
  if (zero === -1 || zero >= end) throw new ProtocolError('unterminated C string')
  return { text: data.toString('utf8', offset, zero), next: zero + 1 }
}

function readDocument(data: Buffer, offset: number, end: number): { document: Document; next: number } {
  if (offset + 4 > end) throw new ProtocolError('truncated BSON document')
  const size = data.readInt32LE(offset)
  if (size < 5 || offset + size > end) throw new ProtocolError('BSON document size out of bounds')
  return { document: deserialize(data.subarray(offset, offset + size), DECODE), next: offset + size }
}

/**
 * Decodes a complete OP_MSG or OP_QUERY message into a command.
 *
 * @throws {ProtocolError} for other opcodes, unknown required flag bits, malformed sections, or an
 *   OP_QUERY that is not a command.
 */
export function decodeRequest(message: Buffer): CommandRequest {
  const header = readHeader(message)
  if (header.opCode === OP_MSG) {
    const flags = message.readUInt32LE(16)
    if (flags & REQUIRED_BITS & ~(CHECKSUM_PRESENT | MORE_TO_COME))
      throw new ProtocolError(`OP_MSG has unknown required flag bits 0x${flags.toString(16)}`)
    // The checksum is not verified: Node has no CRC-32C, and TCP already checks the bytes.
    const end = header.length - (flags & CHECKSUM_PRESENT ? 4 : 0)
    let body: Document | undefined
    const sequences: Array<[string, Document[]]> = []
    let offset = 20
    while (offset < end) {
      const kind = message[offset++]
      if (kind === 0) {
        if (body) throw new ProtocolError('OP_MSG has two body sections')
        const read = readDocument(message, offset, end)
        body = read.document
        offset = read.next
      } else if (kind === 1) {
        const size = message.readInt32LE(offset)
        const sectionEnd = offset + size
        if (size < 5 || sectionEnd > end) throw new ProtocolError('OP_MSG document sequence out of bounds')
        const identifier = readCString(message, offset + 4, sectionEnd)
        const documents: Document[] = []
        offset = identifier.next
        while (offset < sectionEnd) {
          const read = readDocument(message, offset, sectionEnd)
          documents.push(read.document)
          offset = read.next
        }
        sequences.push([identifier.text, documents])
      } else {
        throw new ProtocolError(`OP_MSG has a section of unknown kind ${String(kind)}`)
      }
    }
    if (!body) throw new ProtocolError('OP_MSG has no body section')
    for (const [identifier, documents] of sequences) body[identifier] = documents
    const database = typeof body.$db === 'string' ? body.$db : 'admin'
    return { header, database, command: body, legacy: false, noReply: (flags & MORE_TO_COME) !== 0 }
  }
  if (header.opCode === OP_QUERY) {
    const namespace = readCString(message, 20, header.length)
    const query = readDocument(message, namespace.next + 8, header.length).document
    if (!namespace.text.endsWith('.$cmd'))
      throw new ProtocolError(`OP_QUERY on ${namespace.text}: only commands are served`)
    // A command may come wrapped as `{ $query: {...}, $readPreference: … }`.
    const command = query.$query && typeof query.$query === 'object' ? (query.$query as Document) : query
    return {
      header,
      database: namespace.text.slice(0, -'.$cmd'.length),
      command,
      legacy: true,
      noReply: false,
    }
  }
  if (header.opCode === OP_COMPRESSED)
    throw new ProtocolError('OP_COMPRESSED without a negotiated compressor (the server offers none)')
  throw new ProtocolError(`opcode ${header.opCode} is not supported`)
}

/** Encodes a command reply: an OP_MSG with one body section, or an OP_REPLY with one document. */
export function encodeReply(requestId: number, request: CommandRequest, reply: Document): Buffer {
  const body = serialize(reply)
  if (request.legacy) {
    const out = Buffer.alloc(36 + body.length)
    writeHeader(out, requestId, request.header.requestId, OP_REPLY)
    out.writeInt32LE(0, 16) // responseFlags
    out.writeBigInt64LE(0n, 20) // cursorID
    out.writeInt32LE(0, 28) // startingFrom
    out.writeInt32LE(1, 32) // numberReturned
    out.set(body, 36)
    return out
  }
  const out = Buffer.alloc(21 + body.length)
  writeHeader(out, requestId, request.header.requestId, OP_MSG)
  out.writeUInt32LE(0, 16) // flagBits: no checksum, no moreToCome
  out.writeUInt8(0, 20) // section kind 0: body
  out.set(body, 21)
  return out
}

function writeHeader(out: Buffer, requestId: number, responseTo: number, opCode: number): void {
  out.writeInt32LE(out.length, 0)
  out.writeInt32LE(requestId, 4)
  out.writeInt32LE(responseTo, 8)
  out.writeInt32LE(opCode, 12)
}
