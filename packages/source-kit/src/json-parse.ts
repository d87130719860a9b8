import { compareDecimals, toDecimal } from '@ledgerport/core'

/**
 * The deepest nesting of arrays and objects ledgerport reads in one JSON record (an item of a JSON
 * file, a mongoexport document, a JSON column's value): 256 levels, counting the record itself (`{}`
 * is one level, `{"a":[1]}` two). Real trading records nest a handful of levels; the limit keeps a
 * hostile or broken record (one nested 20,000 deep) from exhausting the stack of code that walks
 * values recursively (canonical JSON, Extended JSON, normalisation): such a record is rejected,
 * naming where it is and this limit, and the run goes on. Every source reads JSON through
 * {@link parseJson} or `readJsonItems`, which both apply it.
 */
export const MAX_JSON_DEPTH = 256

/** Why a record nested deeper than {@link MAX_JSON_DEPTH} is not read, for messages. */
export const TOO_DEEP = `nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects, the most ledgerport reads (MAX_JSON_DEPTH)`

/**
 * A JSON number exactly as written in the file (`2451.35`, `100000.0`, `12345678901234567890.5`).
 * Mapping code reads `text` (exact); in `extra` it is written as a JSON number when a JS number holds
 * its value exactly, as an integer of any length, or else as its decimal text, so no digit is lost.
 *
 * @example new JsonNumber('12345678901234567890.5').text // '12345678901234567890.5'
 */
export class JsonNumber {
  /** The number as written. */
  readonly text: string

  constructor(text: string) {
    this.text = text
  }

  /** The value for JSON output: a number when exact, a bigint for long integers, else the decimal text. */
  toJSON(): number | bigint | string {
    const number = Number(this.text)
    if (String(number) === this.text) return number
    if (/^-?\d+$/.test(this.text)) return BigInt(this.text)
    if (Number.isFinite(number) && compareDecimals(toDecimal(number), this.text) === 0) return number
    return this.text
  }
}

/** A JSON value whose numbers are `N` (what {@link parseJson} makes of a JSON number's text). */
export type JsonTree<N> = string | boolean | null | N | JsonTree<N>[] | { [key: string]: JsonTree<N> }

/** A JSON value as read from a file: numbers stay {@link JsonNumber}s, never a lossy JS number. */
export type JsonInput = string | boolean | null | JsonNumber | JsonInput[] | { [key: string]: JsonInput }

/** A plain JSON object as read from a file. */
export type JsonObject = { [key: string]: JsonInput }

/** JSON text that does not parse; the message says what was expected and at which position. */
export class JsonSyntaxError extends SyntaxError {
  override readonly name = 'JsonSyntaxError'
  /** Where in the text (UTF-16 offset, from 0). */
  readonly position: number

  constructor(message: string, position: number) {
    super(message)
    this.position = position
  }
}

/** JSON text nested deeper than {@link MAX_JSON_DEPTH}; nothing of it was read. */
export class JsonDepthError extends RangeError {
  override readonly name = 'JsonDepthError'
  /** Where the first level too many opens (UTF-16 offset, from 0). */
  readonly position: number
  /** The limit: {@link MAX_JSON_DEPTH}. */
  readonly limit = MAX_JSON_DEPTH

  constructor(position: number) {
    super(`JSON ${TOO_DEEP}; level ${MAX_JSON_DEPTH + 1} opens at position ${position}`)
    this.position = position
  }
}

/** Options of {@link parseJson}. */
export interface ParseJsonOptions<N> {
  /** Makes the value of a JSON number from its text as written (`-1.50e3`); default a {@link JsonNumber}. */
  readonly number: (text: string) => N
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/**
 * Parses one JSON text without losing digits: every number is made from its text by
 * `options.number` (by default a {@link JsonNumber}, the same values `readJsonItems` gives), never
 * rounded through a JS number first. Otherwise the same as `JSON.parse` (the last of duplicate keys
 * wins; a `__proto__` key is an ordinary key). It uses no recursion, so no input overflows the
 * stack; text nested deeper than {@link MAX_JSON_DEPTH} is refused.
 *
 * @example
 * parseJson('{"qty":0.1000000000000000000001}') // { qty: JsonNumber { text: '0.1000000000000000000001' } }
 * parseJson('[12345678901234567890]', { number: BigInt }) // [12345678901234567890n]
 *
 * @throws {JsonSyntaxError} when the text is not JSON.
 * @throws {JsonDepthError} when it nests arrays and objects deeper than {@link MAX_JSON_DEPTH}.
 */
export function parseJson(text: string): JsonInput
export function parseJson<N>(text: string, options: ParseJsonOptions<N>): JsonTree<N>
export function parseJson<N>(text: string, options?: ParseJsonOptions<N>): JsonTree<N> | JsonInput {
  const number = options?.number ?? ((digits: string) => new JsonNumber(digits))
  type Tree = JsonTree<N | JsonNumber>
  type Container = Tree[] | { [key: string]: Tree }
  let at = 0
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at position ${at}`, at)
  }
  const space = (): void => {
    while (at < text.length) {
      const c = text.charCodeAt(at)
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) at++
      else break
    }
  }
  const key = (): string => {
    space()
    if (text[at] !== '"') fail('expected a string key')
    const name = string()
    space()
    if (text[at] !== ':') fail('expected ":"')
    at++
    return name
  }
  const scalar = (): Tree => {
    const c = text[at]
    if (c === '"') return string()
    if (text.startsWith('true', at)) {
      at += 4
      return true
    }
    if (text.startsWith('false', at)) {
      at += 5
      return false
    }
    if (text.startsWith('null', at)) {
      at += 4
      return null
    }
    NUMBER.lastIndex = at
    const match = NUMBER.exec(text)
    if (!match) return fail(at >= text.length ? 'unexpected end of the text' : 'unexpected token')
    at += match[0].length
    return number(match[0])
  }
  const string = (): string => {
    // Fast path: no escapes.
    const start = at + 1
    let end = start
    while (end < text.length) {
      const c = text.charCodeAt(end)
      if (c === 0x22 || c === 0x5c || c < 0x20) break
      end++
    }
    if (text.charCodeAt(end) === 0x22) {
      at = end + 1
      return text.slice(start, end)
    }
    let out = text.slice(start, end)
    at = end
    for (;;) {
      if (at >= text.length) fail('unterminated string')
      const c = text[at]!
      if (c === '"') {
        at++
        return out
      }
      if (c.charCodeAt(0) < 0x20) fail('control character in string')
      if (c !== '\\') {
        out += c
        at++
        continue
      }
      const e = text[at + 1]
      at += 2
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e
          break
        case 'b':
          out += '\b'
          break
        case 'f':
          out += '\f'
          break
        case 'n':
          out += '\n'
          break
        case 'r':
          out += '\r'
          break
        case 't':
          out += '\t'
          break
        case 'u': {
          const hex = text.slice(at, at + 4)
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape')
          out += String.fromCharCode(Number.parseInt(hex, 16))
          at += 4
          break
        }
        default:
          fail('bad escape')
      }
    }
  }
  // The open arrays and objects, innermost last, and the key each object's next value goes under.
  const open: Container[] = []
  const keys: string[] = []
  for (;;) {
    // A value starts here: open a container, or read a scalar.
    space()
    let value: Tree
    const c = text.charCodeAt(at)
    if (c === 0x7b || c === 0x5b) {
      if (open.length >= MAX_JSON_DEPTH) throw new JsonDepthError(at)
      at++
      space()
      const close = c === 0x7b ? 0x7d : 0x5d
      if (text.charCodeAt(at) === close) {
        at++
        value = c === 0x7b ? {} : []
      } else {
        open.push(c === 0x7b ? {} : [])
        keys.push(c === 0x7b ? key() : '')
        continue
      }
    } else value = scalar()
    // A value ends here: add it to its container, and close every container that ends with it.
    for (;;) {
      const container = open.at(-1)
      if (container === undefined) {
        space()
        if (at !== text.length) fail('unexpected text after the value')
        return value as JsonTree<N>
      }
      if (Array.isArray(container)) container.push(value)
      else {
        const name = keys.at(-1)!
        if (name === '__proto__')
          Object.defineProperty(container, name, {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          })
        else container[name] = value
      }
      space()
      const next = text.charCodeAt(at)
      if (next === 0x2c) {
        at++
        if (!Array.isArray(container)) keys[keys.length - 1] = key()
        break
      }
      if (next === (Array.isArray(container) ? 0x5d : 0x7d)) {
        at++
        open.pop()
        keys.pop()
        value = container
        continue
      }
      fail(Array.isArray(container) ? 'expected "," or "]"' : 'expected "," or "}"')
    }
  }
}
