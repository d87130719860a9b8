/**
 * One problem with one field of a source record: which field, and why. A mapper collects every issue
 * of a record, then makes one reject of them, located at the first and naming all
 * ({@link formatIssues}), so a bad record is reported once with everything wrong with it.
 *
 * @example
 * const issue: FieldIssue = { field: 'qty', reason: '"lots" is not a quantity (a string); write it as a number' }
 */
export interface FieldIssue {
  /** The field: a key, a column, or a path inside the record (`reentries[0].qty`). */
  readonly field: string
  /** What is wrong, starting with the value when there is one, and what to do about it. */
  readonly reason: string
}

/**
 * What converting one field's value gave: the value, nothing (missing, or a value that means none),
 * or why it cannot be read (the reason of a {@link FieldIssue}, without the field).
 *
 * @example
 * const positive = (n: number): FieldValue<number> => (n > 0 ? { value: n } : { issue: `${n} is not above 0` })
 */
export type FieldValue<T> = { readonly value: T } | { readonly missing: true } | { readonly issue: string }

/** The {@link FieldValue} of a missing value. */
export const MISSING: FieldValue<never> = { missing: true }

/** Options of {@link FieldReader.read} and the readers built on it. */
export interface FieldOptions {
  /** Missing (absent, null, or what the conversion calls missing) is an issue. */
  readonly required?: boolean
  /** What the value is, for messages: `a quantity`, `an email`. */
  readonly what?: string
}

/** Options of a {@link FieldReader}. */
export interface FieldReaderOptions {
  /** What a record is called in messages (`every record needs …`): `record` (default), `document`, `row`. */
  readonly noun?: string
  /** Fields counted as read from the start, which {@link FieldReader.rest} leaves out (e.g. `_id`). */
  readonly taken?: Iterable<string>
}

/**
 * Reads the fields of one source record (a JSON object, a MongoDB document, a database row) for
 * mapping. It does what every source's mapping needs, whatever its values are:
 *
 * - takes a field, or the first present of several names (`qty`, else `quantity`), and remembers
 *   which were taken, so {@link rest} gives all the others (for `extra`: nothing is lost);
 * - converts a value with a conversion the source supplies ({@link read}: a function returning a
 *   {@link FieldValue}), so values of any kind (JSON numbers, BSON types, SQL columns) stay the
 *   source's business;
 * - collects every problem as a {@link FieldIssue} instead of throwing, with one message for a
 *   missing required field (`qty: is missing (nor quantity); every record needs a quantity`).
 *
 * Sources extend it with their conversions (`JsonFieldReader` here for JSON files; the `mongo` and
 * `bybit-v2` sources have their own small subclasses).
 *
 * @example
 * const r = new FieldReader<unknown>({ qty: '40', note: 'x' })
 * const qty = r.read('qty', (v) => (typeof v === 'string' ? { value: Number(v) } : { issue: 'not text' }), {
 *   required: true,
 *   what: 'a quantity',
 * }) // 40
 * r.rest() // { note: 'x' }
 */
export class FieldReader<V = unknown> {
  /** Every problem found so far, in the order found. */
  readonly issues: FieldIssue[] = []
  readonly #record: Readonly<Record<string, V>>
  readonly #used: Set<string>
  readonly #noun: string

  constructor(record: Readonly<Record<string, V>>, options: FieldReaderOptions = {}) {
    this.#record = record
    this.#used = new Set(options.taken)
    this.#noun = options.noun ?? 'record'
  }

  /** Whether the record has the field (even when its value is null). */
  has(field: string): boolean {
    return Object.hasOwn(this.#record, field)
  }

  /** The field's value as stored, `undefined` when absent; marks it taken. */
  value(field: string): V | undefined {
    this.#used.add(field)
    return Object.hasOwn(this.#record, field) ? this.#record[field] : undefined
  }

  /**
   * The first of `fields` that is present and not null (it is taken; the others stay for {@link rest},
   * e.g. `ticker` when `symbol` is there). When none is, the first name stands for them: it is taken
   * (so a null there is read as "missing", not kept) and `undefined` is returned.
   */
  first(fields: string | ReadonlyArray<string>): { field: string; value: V } | undefined {
    const names = typeof fields === 'string' ? [fields] : fields
    for (const field of names) {
      const value = Object.hasOwn(this.#record, field) ? this.#record[field] : undefined
      if (value !== undefined && value !== null) {
        this.#used.add(field)
        return { field, value }
      }
    }
    if (names[0] !== undefined) this.#used.add(names[0])
    return undefined
  }

  /** Puts a taken field back among those {@link rest} returns. */
  release(field: string): void {
    this.#used.delete(field)
  }

  /** Adds an issue. */
  issue(field: string, reason: string): void {
    this.issues.push({ field, reason })
  }

  /** Adds the issue of a required field that is missing: `is missing (nor …); every record needs …`. */
  missing(field: string, what = 'it', aliases: ReadonlyArray<string> = [field]): void {
    const others = aliases.filter((alias) => alias !== field)
    const nor = others.length > 0 ? ` (nor ${others.join(', ')})` : ''
    this.issue(field, `is missing${nor}; every ${this.#noun} needs ${what}`)
  }

  /**
   * Converts the first present of `fields` with `convert`: its value, or `undefined` when it is
   * missing (an issue if `required`) or cannot be read (an issue with the conversion's reason).
   */
  read<T>(
    fields: string | ReadonlyArray<string>,
    convert: (value: V) => FieldValue<T>,
    options: FieldOptions = {},
  ): T | undefined {
    const names = typeof fields === 'string' ? [fields] : fields
    const found = this.first(names)
    return this.take(found?.field ?? names[0]!, found?.value, convert, options, names)
  }

  /**
   * {@link read} for a value already taken (by {@link first} or {@link value}); `aliases` are the
   * names a missing-field message lists.
   */
  take<T>(
    field: string,
    value: V | undefined,
    convert: (value: V) => FieldValue<T>,
    options: FieldOptions = {},
    aliases: ReadonlyArray<string> = [field],
  ): T | undefined {
    const result = value === undefined ? MISSING : convert(value)
    if ('value' in result) return result.value
    if ('issue' in result) this.issue(field, result.issue)
    else if (options.required) this.missing(field, options.what, aliases)
    return undefined
  }

  /** Every field not taken, in the record's order, each through `convert` when given (for `extra`). */
  rest(): Record<string, V>
  rest<T>(convert: (value: V) => T): Record<string, T>
  rest<T>(convert?: (value: V) => T): Record<string, V | T> {
    const out: Record<string, V | T> = {}
    for (const [field, value] of Object.entries(this.#record)) {
      if (!this.#used.has(field)) out[field] = convert ? convert(value) : value
    }
    return out
  }
}

/**
 * The issues as one text, each `field: reason`, joined by `; `; with `path`, each field is placed
 * under it ({@link joinPath}).
 *
 * @example
 * formatIssues([{ field: 'qty', reason: 'is missing' }], 'trades[3]') // 'trades[3].qty: is missing'
 */
export function formatIssues(issues: ReadonlyArray<FieldIssue>, path = ''): string {
  return issues.map((issue) => `${joinPath(path, issue.field)}: ${issue.reason}`).join('; ')
}

/**
 * A field's path under a record's path: `trades[17]` + `qty` → `trades[17].qty`; `reentries[0].qty`
 * → `trades[17].reentries[0].qty`; a key that is not an identifier is quoted (`["a b"]`). With no
 * path, the field as it is.
 */
export function joinPath(path: string, field: string): string {
  if (field.startsWith('[')) return `${path}${field}`
  if (path === '') return field
  return /^[A-Za-z_$][\w$]*(?:[.[]|$)/.test(field) ? `${path}.${field}` : `${path}[${JSON.stringify(field)}]`
}
