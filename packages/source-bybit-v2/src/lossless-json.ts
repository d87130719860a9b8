import { compareDecimals, toDecimal } from '@ledgerport/core'

/** A JSON value as {@link parseJsonLossless} returns it: integers beyond 2^53 are bigints. */
export type LosslessJson =
  | string
  | number
  | bigint
  | boolean
  | null
  | LosslessJson[]
  | { [key: string]: LosslessJson }

/** The result of {@link parseJsonLossless}. */
export interface LosslessJsonResult {
  /** The parsed value. */
  readonly value: LosslessJson
  /**
   * True when a non-integer number has more digits than a JS number holds (`0.1000000000000000000001`),
   * or is out of range: `value` then holds the nearest JS number (or, out of range, the number's text),
   * so keep the source text too.
   */
  readonly lossy: boolean
}

/** JSON text that does not parse; the message gives the offset. */
export class JsonSyntaxError extends SyntaxError {
  override readonly name = 'JsonSyntaxError'
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const INTEGER = /^-?\d+$/

/**
 * Parses JSON text without losing digits: integers outside JS's safe range become bigints (written back
 * digit for digit by `canonicalJson`), other numbers are checked against their text and flagged when a
 * JS number cannot hold them exactly. Otherwise the same as `JSON.parse` (the last of duplicate keys
 * wins; a `__proto__` key is an ordinary key).
 *
 * @throws {JsonSyntaxError} when the text is not JSON.
 */
export function parseJsonLossless(text: string): LosslessJsonResult {
  let at = 0
  let lossy = false
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at offset ${at}`)
  }
  const space = (): void => {
    while (at < text.length) {
      const c = text.charCodeAt(at)
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) at++
      else break
    }
  }
  const value = (depth: number): LosslessJson => {
    if (depth > 512) fail('nesting too deep')
    space()
    const c = text[at]
    if (c === '{') {
      at++
      const object: { [key: string]: LosslessJson } = {}
      space()
      if (text[at] === '}') {
        at++
        return object
      }
      for (;;) {
        space()
        if (text[at] !== '"') fail('expected a string key')
        const key = string()
        space()
        if (text[at] !== ':') fail('expected ":"')
        at++
        const item = value(depth + 1)
        if (key === '__proto__') {
          Object.defineProperty(object, key, {
            value: item,
            enumerable: true,
            writable: true,
            configurable: true,
          })
        } else object[key] = item
        space()
        if (text[at] === ',') {
          at++
          continue
        }
        if (text[at] === '}') {
          at++
          return object
        }
        fail('expected "," or "}"')
      }
    }
    if (c === '[') {
      at++
      const array: LosslessJson[] = []
      space()
      if (text[at] === ']') {
        at++
        return array
      }
      for (;;) {
        array.push(value(depth + 1))
        space()
        if (text[at] === ',') {
          at++
          continue
        }
        if (text[at] === ']') {
          at++
          return array
        }
        fail('expected "," or "]"')
      }
    }
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
    if (!match) return fail('unexpected character')
    at += match[0].length
    return number(match[0])
  }
  const number = (digits: string): LosslessJson => {
    if (INTEGER.test(digits)) {
      const n = Number(digits)
      return Number.isSafeInteger(n) ? (n === 0 ? 0 : n) : BigInt(digits)
    }
    const n = Number(digits)
    if (!Number.isFinite(n)) {
      lossy = true
      return digits
    }
    if (compareDecimals(toDecimal(n), digits) !== 0) lossy = true
    return n
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
  const result = value(0)
  space()
  if (at !== text.length) fail('unexpected text after the JSON value')
  return { value: result, lossy }
}
