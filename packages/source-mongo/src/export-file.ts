import { createReadStream } from 'node:fs'

/**
 * How a mongoexport file lays its documents out: `lines` (the default: one document per line),
 * `array` (`--jsonArray`, pretty or not), `concatenated` (`--pretty`: indented documents one after
 * another, not line-delimited).
 */
export type ExportLayout = 'lines' | 'array' | 'concatenated'

/** A place in a mongoexport file between two documents: reading again from it yields what follows. */
export interface ExportPosition {
  /** Byte offset. */
  readonly offset: number
  /** Line number (from 1) at that offset. */
  readonly line: number
  /** How many top-level values come before it. */
  readonly index: number
  readonly layout: ExportLayout
}

/** One top-level value of a mongoexport file, as text. */
export interface ExportItem {
  /** The value's text (for a broken one, what there was of it). */
  readonly text: string
  /** The line it starts on, from 1. */
  readonly line: number
  /** Its position among the file's values, from 0. */
  readonly index: number
  /** Why the text is not one complete JSON value, when it is not. */
  readonly broken?: string
  /** Where the next value starts. */
  readonly after: ExportPosition
}

/** A mongoexport file that cannot be read at all (unreadable, or a value too large to be a document). */
export class ExportFileError extends Error {
  override readonly name = 'ExportFileError'
}

/** The largest value kept in memory: twice MongoDB's 16 MB document limit, as Extended JSON is larger than BSON. */
const MAX_VALUE_BYTES = 64 * 1024 * 1024

const NEWLINE = 0x0a
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === NEWLINE || byte === 0x0d || byte === 0x09
}

function isDelimiter(byte: number): boolean {
  return (
    isSpace(byte) || byte === COMMA || byte === CLOSE_BRACKET || byte === OPEN_BRACE || byte === OPEN_BRACKET
  )
}

/**
 * Splits a byte stream into top-level JSON values without parsing them: it follows nesting and
 * strings only, so a file of any size is read one value at a time. It finds the layout from the
 * first value: `[` first means an array; otherwise a first value that ends on the line it began
 * means one document per line — and then a line that ends inside a value is that value, broken, and
 * the next line is read normally; otherwise the values are concatenated.
 */
class ValueScanner {
  readonly items: ExportItem[] = []
  readonly #display: string
  readonly #resumed: boolean
  #layout: ExportLayout | undefined
  #arrayClosed = false
  /** Absolute offset of the next chunk's first byte. */
  #offset: number
  /** Line number of the next byte. */
  #line: number
  #index: number
  // The value being read.
  #inValue = false
  #depth = 0
  #inString = false
  #escaped = false
  #scalar = false
  #newlineInValue = false
  #parts: Buffer[] = []
  #bytes = 0
  #valueLine = 0

  constructor(display: string, from: ExportPosition | undefined) {
    this.#display = display
    this.#resumed = from !== undefined
    this.#offset = from?.offset ?? 0
    this.#line = from?.line ?? 1
    this.#index = from?.index ?? 0
    this.#layout = from?.layout
  }

  /** Scans the next chunk of the file; complete values are added to {@link items}. */
  feed(chunk: Buffer): void {
    const base = this.#offset
    // A UTF-8 byte order mark at the start of the file is not part of the first value.
    const bom = !this.#resumed && base === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf
    let valueFrom = this.#inValue ? 0 : -1
    for (let i = bom ? 3 : 0; i < chunk.length; i++) {
      const byte = chunk[i]!
      if (byte === NEWLINE) this.#line++
      if (this.#inValue) {
        if (this.#scalar) {
          // Outside an array, what is not a document runs to the end of its line: a line of binary
          // garbage is one value (one reject), not a value per space, comma or bracket in it.
          if (this.#layout === 'array' ? !isDelimiter(byte) : byte !== NEWLINE) continue
          // The value ends before its delimiter, which is then read as text between values.
          this.#finish(chunk, valueFrom, i, base + i, byte === NEWLINE ? this.#line - 1 : this.#line)
          valueFrom = -1
        } else {
          if (this.#inString) {
            if (this.#escaped) this.#escaped = false
            else if (byte === BACKSLASH) this.#escaped = true
            else if (byte === QUOTE) {
              this.#inString = false
              if (this.#depth === 0) {
                this.#finish(chunk, valueFrom, i + 1, base + i + 1, this.#line)
                valueFrom = -1
              }
            }
          } else if (byte === QUOTE) this.#inString = true
          else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.#depth++
          else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && --this.#depth === 0) {
            this.#finish(chunk, valueFrom, i + 1, base + i + 1, this.#line)
            valueFrom = -1
          }
          if (byte === NEWLINE && this.#inValue && this.#brokenByNewline(chunk, valueFrom, i, base))
            valueFrom = -1
          continue
        }
      }
      if (isSpace(byte)) continue
      if (this.#layout === undefined && byte === OPEN_BRACKET) {
        this.#layout = 'array'
        continue
      }
      if (this.#layout === 'array' && !this.#arrayClosed) {
        if (byte === COMMA) continue
        if (byte === CLOSE_BRACKET) {
          this.#arrayClosed = true
          continue
        }
      }
      this.#inValue = true
      this.#valueLine = this.#line
      this.#newlineInValue = false
      this.#parts = []
      this.#bytes = 0
      this.#depth = byte === OPEN_BRACE || byte === OPEN_BRACKET ? 1 : 0
      this.#inString = byte === QUOTE
      this.#escaped = false
      this.#scalar = this.#depth === 0 && !this.#inString
      valueFrom = i
    }
    if (this.#inValue) this.#keep(chunk, valueFrom, chunk.length)
    this.#offset = base + chunk.length
  }

  /** At the end of the input: a value still open is a truncated one. */
  end(): void {
    if (!this.#inValue) return
    if (this.#scalar) this.#emit(this.#afterArray(), this.#offset, this.#line)
    else this.#emit('the file ends inside this document: it is truncated', this.#offset, this.#line)
  }

  #keep(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return
    this.#parts.push(chunk.subarray(from, to))
    this.#bytes += to - from
    if (this.#bytes > MAX_VALUE_BYTES) {
      throw new ExportFileError(
        `${this.#display} line ${this.#valueLine}: a value larger than 64 MB, which no MongoDB document can be: the file is not mongoexport output, or it is corrupt.`,
      )
    }
  }

  /** A newline inside a value: in a file of one document per line, the value breaks off there. */
  #brokenByNewline(chunk: Buffer, valueFrom: number, at: number, base: number): boolean {
    if (this.#layout === undefined) this.#newlineInValue = true
    if (this.#layout !== 'lines') return false
    this.#keep(chunk, valueFrom, at)
    this.#emit(
      'the line ends inside this document (each line of the file must be one whole document)',
      base + at + 1,
      this.#line,
    )
    return true
  }

  #finish(chunk: Buffer, valueFrom: number, to: number, afterOffset: number, afterLine: number): void {
    this.#keep(chunk, valueFrom, to)
    if (this.#layout === undefined) this.#layout = this.#newlineInValue ? 'concatenated' : 'lines'
    this.#emit(this.#afterArray(), afterOffset, afterLine)
  }

  /** What is wrong with a value after the array of a `--jsonArray` file, if it is one. */
  #afterArray(): string | undefined {
    return this.#layout === 'array' && this.#arrayClosed
      ? 'text after the end of the array (a --jsonArray file holds one array)'
      : undefined
  }

  #emit(broken: string | undefined, afterOffset: number, afterLine: number): void {
    this.items.push({
      text: Buffer.concat(this.#parts, this.#bytes).toString('utf8'),
      line: this.#valueLine,
      index: this.#index,
      ...(broken ? { broken } : {}),
      after: {
        offset: afterOffset,
        line: afterLine,
        index: this.#index + 1,
        layout: this.#layout ?? 'lines',
      },
    })
    this.#index++
    this.#inValue = false
    this.#inString = false
    this.#parts = []
    this.#bytes = 0
  }
}

/**
 * Streams the top-level values of a mongoexport file, 64 KB at a time, from the start or from a
 * position an earlier read returned. Each value comes as text with its line and index; a value the
 * file breaks off (a truncated last document, a line that ends inside a document) comes with
 * `broken` and the reading goes on.
 *
 * @throws {ExportFileError} when the file cannot be read, or holds a value larger than 64 MB.
 */
export async function* readExportItems(
  path: string,
  display: string,
  from?: ExportPosition,
): AsyncGenerator<ExportItem> {
  const scanner = new ValueScanner(display, from)
  const input = createReadStream(path, { start: from?.offset ?? 0, highWaterMark: 1 << 16 })
  try {
    try {
      for await (const chunk of input) {
        scanner.feed(chunk as Buffer)
        if (scanner.items.length > 0) yield* scanner.items.splice(0)
      }
    } catch (error) {
      if (error instanceof ExportFileError) throw error
      throw new ExportFileError(`${display} cannot be read: ${(error as Error).message}.`)
    }
    scanner.end()
    yield* scanner.items.splice(0)
  } finally {
    input.destroy()
  }
}
