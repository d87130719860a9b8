const TWO_32 = 4_294_967_296

/**
 * A growable byte buffer for PostgreSQL's binary COPY format and for row hashes: big-endian
 * integers, doubles and UTF-8 text written in place, with no intermediate strings.
 */
export class ByteWriter {
  /** The bytes; only `[0, length)` is written. */
  buffer: Buffer
  /** How many bytes are written. */
  length = 0

  constructor(initialSize = 1 << 16) {
    this.buffer = Buffer.allocUnsafe(initialSize)
  }

  /** Makes room for `bytes` more bytes. */
  ensure(bytes: number): void {
    const needed = this.length + bytes
    if (needed <= this.buffer.length) return
    let size = this.buffer.length * 2
    while (size < needed) size *= 2
    const grown = Buffer.allocUnsafe(size)
    this.buffer.copy(grown, 0, 0, this.length)
    this.buffer = grown
  }

  /** Forgets everything written (keeps the memory). */
  reset(): void {
    this.length = 0
  }

  /** Cuts back to `length` bytes (drops a row that was rejected half way). */
  truncate(length: number): void {
    this.length = length
  }

  /** A view of `[start, end)` (valid until the next write). */
  view(start = 0, end = this.length): Buffer {
    return this.buffer.subarray(start, end)
  }

  /** A copy of what is written. */
  take(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length))
  }

  uint8(value: number): void {
    this.ensure(1)
    this.buffer[this.length++] = value
  }

  int16(value: number): void {
    this.ensure(2)
    this.buffer.writeInt16BE(value, this.length)
    this.length += 2
  }

  uint16(value: number): void {
    this.ensure(2)
    this.buffer.writeUInt16BE(value, this.length)
    this.length += 2
  }

  int32(value: number): void {
    this.ensure(4)
    this.buffer.writeInt32BE(value, this.length)
    this.length += 4
  }

  /** A safe integer as a signed 64-bit integer. */
  int64(value: number): void {
    this.ensure(8)
    const high = Math.floor(value / TWO_32)
    this.buffer.writeInt32BE(high, this.length)
    this.buffer.writeUInt32BE(value - high * TWO_32, this.length + 4)
    this.length += 8
  }

  /** A bigint within the signed 64-bit range. */
  bigint64(value: bigint): void {
    this.ensure(8)
    this.buffer.writeBigInt64BE(value, this.length)
    this.length += 8
  }

  double(value: number): void {
    this.ensure(8)
    this.buffer.writeDoubleBE(value, this.length)
    this.length += 8
  }

  /** UTF-8 text preceded by its byte length as int32 (a COPY field, or a hash part). */
  lengthPrefixedText(text: string): void {
    this.ensure(4 + text.length * 3)
    const written = this.buffer.write(text, this.length + 4, 'utf8')
    this.buffer.writeInt32BE(written, this.length)
    this.length += 4 + written
  }

  /**
   * A fixed-size COPY field (length prefix, then the value) without a capacity check: call
   * {@link ensure} for the whole row first.
   */
  fieldInt64(value: number): void {
    const buffer = this.buffer
    const at = this.length
    buffer.writeInt32BE(8, at)
    const high = Math.floor(value / TWO_32)
    buffer.writeInt32BE(high, at + 4)
    buffer.writeUInt32BE(value - high * TWO_32, at + 8)
    this.length = at + 12
  }

  /** Like {@link fieldInt64}, for a bigint. */
  fieldBigInt64(value: bigint): void {
    this.buffer.writeInt32BE(8, this.length)
    this.buffer.writeBigInt64BE(value, this.length + 4)
    this.length += 12
  }

  /** Like {@link fieldInt64}, for a double. */
  fieldDouble(value: number): void {
    this.buffer.writeInt32BE(8, this.length)
    this.buffer.writeDoubleBE(value, this.length + 4)
    this.length += 12
  }

  /** Like {@link fieldInt64}, for a boolean. */
  fieldBoolean(value: boolean): void {
    this.buffer.writeInt32BE(1, this.length)
    this.buffer[this.length + 4] = value ? 1 : 0
    this.length += 5
  }

  /** A NULL field (length -1), unchecked like {@link fieldInt64}. */
  fieldNull(): void {
    this.buffer.writeInt32BE(-1, this.length)
    this.length += 4
  }

  /** Raw text, no length. */
  text(text: string): void {
    this.ensure(text.length * 3)
    this.length += this.buffer.write(text, this.length, 'utf8')
  }

  /** Bytes preceded by their length as int32. */
  lengthPrefixedBytes(bytes: Uint8Array): void {
    this.ensure(4 + bytes.length)
    this.buffer.writeInt32BE(bytes.length, this.length)
    this.buffer.set(bytes, this.length + 4)
    this.length += 4 + bytes.length
  }

  bytes(bytes: Uint8Array): void {
    this.ensure(bytes.length)
    this.buffer.set(bytes, this.length)
    this.length += bytes.length
  }
}
