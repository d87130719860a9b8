import { createReadStream } from 'node:fs'
import Parser from 'stream-json/Parser.js'
import { type JsonInput, JsonNumber, type JsonObject, MAX_JSON_DEPTH } from './json-parse.js'

/** One item of a JSON file: an element of an array, or an entry of an object. */
export interface JsonItem {
  /** The top-level key holding the array (`trades`), or `null` for a top-level array or object. */
  readonly section: string | null
  /** Position in its array or object, from 0. */
  readonly index: number
  /** The entry's key, for items of a top-level object (`holdings.json`). */
  readonly key?: string
  /** The value (`null` when {@link tooDeep}). */
  readonly value: JsonInput
  /**
   * Set when the item nests arrays and objects deeper than {@link MAX_JSON_DEPTH}: it was skipped
   * (never assembled, so it costs no memory), and the mapping should reject it (`recordOf` does).
   */
  readonly tooDeep?: true
}

/** Which parts of a file are items. */
export interface ReadJsonOptions {
  /** Arrays under these keys of a top-level object are read element by element; other keys are skipped. */
  readonly sections?: ReadonlyArray<string>
  /** The entries of a top-level object are the items (`{SYMBOL: {...}}`). */
  readonly entries?: boolean
  /** A top-level array's elements are items (section `null`). Default is `true`. */
  readonly topLevelArray?: boolean
}

/** A file that cannot be read as JSON: unreadable, empty, truncated, or not the expected shape. */
export class JsonFileError extends Error {
  override readonly name = 'JsonFileError'
}

/**
 * Streams the items of a JSON file with stream-json, a 64 KB chunk at a time, holding no more than one
 * chunk's items in memory, so a 1 GB file is read in constant memory. Numbers are kept as written
 * ({@link JsonNumber}). Python's `NaN`, `Infinity` and `-Infinity` (which `json.dump` writes) are read
 * as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`. An item nested deeper than
 * {@link MAX_JSON_DEPTH} is skipped and yielded with `tooDeep` (no stack or memory is spent on it).
 *
 * @example
 * for await (const item of readJsonItems(path, 'data/trades_history.json', { sections: ['trades'] }))
 *   console.log(jsonPath(item.section, item.index)) // trades[0], trades[1], …
 *
 * @throws {JsonFileError} when the file cannot be read, is empty, is not valid JSON (e.g. truncated),
 *   or its top level is not what `options` expects; items before the fault have been yielded.
 */
export async function* readJsonItems(
  file: string,
  display: string,
  options: ReadJsonOptions,
): AsyncGenerator<JsonItem> {
  const input = createReadStream(file, { highWaterMark: 1 << 16 })
  const fixer = new NonFiniteNumbers()
  const walker = new ItemWalker(display, options)
  // stream-json's tokenizer, driven directly: its tokens go straight to the walker instead of through
  // a Readable's buffer (which would hold a whole chunk's tokens and cost more in GC than parsing).
  const parser = new Parser({ streamValues: false })
  parser.push = (token: unknown): boolean => {
    if (token !== null) walker.token(token as Token)
    return true
  }
  let failure: Error | undefined
  const callback = (error?: Error | null): void => {
    if (error) failure ??= walker.syntaxError(error)
  }
  const feed = (work: () => void): void => {
    try {
      work()
    } catch (error) {
      failure ??= error instanceof JsonFileError ? error : walker.syntaxError(error as Error)
    }
  }
  try {
    try {
      for await (const chunk of input) {
        feed(() => parser._transform(fixer.rewrite(chunk as Buffer, false), 'utf8', callback))
        if (walker.queue.length > 0) {
          const items = walker.queue
          walker.queue = []
          yield* items
        }
        if (failure) throw failure
      }
    } catch (error) {
      if (error instanceof JsonFileError) throw error
      throw new JsonFileError(
        `${display} cannot be read: ${(error as Error).message}. Check the path and permissions.`,
      )
    }
    const tail = fixer.end()
    if (tail) feed(() => parser._transform(tail, 'utf8', callback))
    if (!failure) feed(() => parser._flush(callback))
    yield* walker.queue
    walker.queue = []
    if (failure) throw failure
    walker.finish()
  } finally {
    input.destroy()
  }
}

interface Token {
  readonly name: string
  readonly value?: string | boolean | null
}

/** Turns stream-json tokens into items, tracking where in the file it is. */
class ItemWalker {
  queue: JsonItem[] = []
  readonly #display: string
  readonly #options: ReadJsonOptions
  /** Nesting depth of the token stream (1 inside the top-level container). */
  #depth = 0
  #top: 'object' | 'array' | undefined
  /** The top-level key whose value is being read. */
  #topKey: string | null = null
  /** What the value of the current top-level key is: items, skipped, or a section array. */
  #mode: 'items' | 'skip' | 'section' | 'none' = 'none'
  #section: string | null = null
  #index = 0
  #skipDepth = 0
  /** The item being assembled: a stack of containers and keys. */
  #stack: Array<JsonInput[] | JsonObject> = []
  #keys: Array<string | null> = []
  #pendingKey: string | null = null
  #lastItem: string | undefined
  #sawValue = false
  /** While skipping an item nested too deep: how many of its containers are still open. */
  #tooDeep = 0

  constructor(display: string, options: ReadJsonOptions) {
    this.#display = display
    this.#options = options
  }

  token(token: Token): void {
    this.#sawValue = true
    if (this.#tooDeep > 0) {
      this.#skipTooDeep(token)
      return
    }
    if (this.#mode === 'skip') {
      this.#skip(token)
      return
    }
    if (this.#stack.length > 0 || this.#atItemStart(token)) {
      this.#assemble(token)
      return
    }
    switch (token.name) {
      case 'startObject':
      case 'startArray':
        this.#open(token.name === 'startObject' ? 'object' : 'array')
        return
      case 'endObject':
      case 'endArray':
        this.#close()
        return
      case 'keyValue':
        this.#topKey = String(token.value)
        this.#mode = this.#options.entries ? 'items' : 'none'
        return
      default:
        if (this.#depth === 0) {
          throw new JsonFileError(
            `${this.#display} holds a single ${token.name.replace('Value', '')} value, not ${this.#expected()}.`,
          )
        }
        if (
          this.#topKey !== null &&
          token.name !== 'nullValue' &&
          this.#options.sections?.includes(this.#topKey)
        ) {
          throw new JsonFileError(
            `${this.#display}: "${this.#topKey}" is a ${token.name.replace('Value', '')}, not an array of records.`,
          )
        }
        // A scalar under a top-level key that is not a section (e.g. `last_run`), or null: nothing to read.
        this.#topKey = null
    }
  }

  /** Called at the end of the file. */
  finish(): void {
    if (!this.#sawValue) throw new JsonFileError(`${this.#display} is empty: expected ${this.#expected()}.`)
  }

  syntaxError(error: Error): JsonFileError {
    if (!this.#sawValue) return new JsonFileError(`${this.#display} is empty: expected ${this.#expected()}.`)
    const where = this.#lastItem ? ` after ${this.#lastItem}` : ' before its first record'
    return new JsonFileError(
      `${this.#display} is not valid JSON${where} (${error.message.replace(/^Parser /, 'parser ')}): the file is truncated or corrupt. Records before that point were read; restore or repair the file and run again to read the rest.`,
    )
  }

  #expected(): string {
    const parts: string[] = []
    if (this.#options.sections?.length)
      parts.push(`an object with ${this.#options.sections.map((s) => `"${s}"`).join(', ')} arrays`)
    if (this.#options.entries) parts.push('an object of entries')
    if (this.#options.topLevelArray !== false) parts.push('an array')
    return parts.join(' or ')
  }

  #atItemStart(token: Token): boolean {
    if (token.name === 'endArray' || token.name === 'endObject' || token.name === 'keyValue') return false
    if (this.#depth === 1 && this.#top === 'array') {
      this.#section = null
      return true
    }
    if (this.#depth === 1 && this.#top === 'object' && this.#mode === 'items') return true
    return this.#depth === 2 && this.#mode === 'section'
  }

  #open(kind: 'object' | 'array'): void {
    if (this.#depth === 0) {
      if (kind === 'array' && this.#options.topLevelArray === false) {
        throw new JsonFileError(`${this.#display} holds an array, not ${this.#expected()}.`)
      }
      if (kind === 'object' && !this.#options.entries && !this.#options.sections?.length) {
        throw new JsonFileError(`${this.#display} holds an object, not ${this.#expected()}.`)
      }
      this.#top = kind
      this.#depth = 1
      this.#index = 0
      if (kind === 'object' && this.#options.entries) this.#mode = 'items'
      return
    }
    // depth 1 inside the top-level object: the value of #topKey.
    const key = this.#topKey
    if (kind === 'array' && key !== null && this.#options.sections?.includes(key)) {
      this.#mode = 'section'
      this.#section = key
      this.#index = 0
      this.#depth = 2
      return
    }
    if (key !== null && this.#options.sections?.includes(key)) {
      throw new JsonFileError(
        `${this.#display}: "${key}" is an object, not an array of records. Expected ${this.#expected()}.`,
      )
    }
    this.#mode = 'skip'
    this.#skipDepth = 1
  }

  #close(): void {
    if (this.#depth === 2) {
      this.#depth = 1
      this.#mode = 'none'
      this.#topKey = null
    } else this.#depth = 0
  }

  #skip(token: Token): void {
    if (token.name === 'startObject' || token.name === 'startArray') this.#skipDepth++
    else if (token.name === 'endObject' || token.name === 'endArray') this.#skipDepth--
    if (this.#skipDepth === 0) {
      this.#mode = 'none'
      this.#topKey = null
    }
  }

  #assemble(token: Token): void {
    let value: JsonInput
    switch (token.name) {
      case 'startObject':
      case 'startArray': {
        if (this.#stack.length >= MAX_JSON_DEPTH) {
          // One level too many: drop what was assembled of the item and skip the rest of it.
          this.#tooDeep = this.#stack.length + 1
          this.#stack = []
          this.#keys = []
          this.#pendingKey = null
          return
        }
        const container: JsonInput[] | JsonObject = token.name === 'startObject' ? {} : []
        if (this.#stack.length > 0) this.#add(container)
        this.#stack.push(container)
        this.#keys.push(this.#pendingKey)
        this.#pendingKey = null
        return
      }
      case 'endObject':
      case 'endArray': {
        const done = this.#stack.pop()!
        this.#keys.pop()
        if (this.#stack.length === 0) this.#emit(done)
        return
      }
      case 'keyValue':
        this.#pendingKey = String(token.value)
        return
      case 'stringValue':
        value = String(token.value)
        break
      case 'numberValue':
        value = new JsonNumber(String(token.value))
        break
      case 'trueValue':
        value = true
        break
      case 'falseValue':
        value = false
        break
      default:
        value = null
    }
    if (this.#stack.length === 0) this.#emit(value)
    else this.#add(value)
  }

  #skipTooDeep(token: Token): void {
    if (token.name === 'startObject' || token.name === 'startArray') this.#tooDeep++
    else if (token.name === 'endObject' || token.name === 'endArray') this.#tooDeep--
    if (this.#tooDeep === 0) this.#emit(null, true)
  }

  #add(value: JsonInput): void {
    const parent = this.#stack[this.#stack.length - 1]!
    if (Array.isArray(parent)) parent.push(value)
    else parent[this.#pendingKey ?? ''] = value
    this.#pendingKey = null
  }

  #emit(value: JsonInput, tooDeep = false): void {
    const index = this.#index++
    const deep = tooDeep ? { tooDeep: true as const } : {}
    if (this.#top === 'object' && this.#mode === 'items') {
      const key = this.#topKey ?? ''
      this.queue.push({ section: null, index, key, value, ...deep })
      this.#lastItem = jsonPath(null, key)
      this.#topKey = null
    } else {
      this.queue.push({ section: this.#section, index, value, ...deep })
      this.#lastItem = jsonPath(this.#section, index)
    }
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/**
 * A JSON path for rejects, like `trades[17].qty`, `[3].price` (top-level array), `FORTIS.quantity` or
 * `["RELIANCE.NS"].quantity` (keys that are not identifiers are quoted).
 */
export function jsonPath(section: string | null, item: number | string, ...fields: string[]): string {
  let path = section ?? ''
  path += typeof item === 'number' ? `[${item}]` : propertyPath(item, path === '')
  for (const field of fields) path += propertyPath(field, false)
  return path
}

function propertyPath(key: string, first: boolean): string {
  if (IDENTIFIER.test(key)) return first ? key : `.${key}`
  return `[${JSON.stringify(key)}]`
}

const N = 0x4e
const I = 0x49
const MINUS = 0x2d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const WORDS: ReadonlyArray<readonly [Buffer, Buffer]> = [
  [Buffer.from('NaN'), Buffer.from('"NaN"')],
  [Buffer.from('-Infinity'), Buffer.from('"-Infinity"')],
  [Buffer.from('Infinity'), Buffer.from('"Infinity"')],
]

/**
 * Rewrites Python's non-standard JSON numbers `NaN`, `Infinity`, `-Infinity` (outside strings) as
 * strings, so stream-json reads them; everything else passes through byte for byte. Feed it the
 * chunks of a file in order, then call {@link end}.
 */
export class NonFiniteNumbers {
  #inString = false
  #escaped = false
  #carry: Buffer | undefined

  /** The chunk, rewritten; a word cut at its end is held back for the next chunk. */
  rewrite(chunk: Buffer, final: boolean): Buffer {
    const data = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk
    this.#carry = undefined
    let parts: Buffer[] | undefined
    let start = 0
    const length = data.length
    for (let i = 0; i < length; i++) {
      const byte = data[i]!
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false
        else if (byte === BACKSLASH) this.#escaped = true
        else if (byte === QUOTE) this.#inString = false
        continue
      }
      if (byte === QUOTE) {
        this.#inString = true
        continue
      }
      if (byte !== N && byte !== I && byte !== MINUS) continue
      for (const [word, replacement] of WORDS) {
        if (data[i] !== word[0]) continue
        const available = Math.min(word.length, length - i)
        if (data.compare(word, 0, available, i, i + available) !== 0) continue
        if (available < word.length) {
          if (final) break
          // The word may continue in the next chunk: keep the tail for then.
          this.#carry = data.subarray(i)
          parts ??= []
          parts.push(data.subarray(start, i))
          return Buffer.concat(parts)
        }
        parts ??= []
        parts.push(data.subarray(start, i), replacement)
        i += word.length - 1
        start = i + 1
        break
      }
    }
    if (!parts) return data
    parts.push(data.subarray(start))
    return Buffer.concat(parts)
  }

  /** What was held back, once the input has ended. */
  end(): Buffer | undefined {
    const rest = this.#carry
    this.#carry = undefined
    return rest ? this.rewrite(rest, true) : undefined
  }
}
