import { describe, expect, it } from 'vitest'
import { checkPluginRecord } from '../engine/check-plugin-record.js'
import { prepareRecords } from '../engine/prepare-records.js'
import { boundedJson } from '../model/bounded-json.js'
import type { CanonicalRecord, Reject } from '../model/canonical-record.js'
import { ENTITIES } from '../model/entities.js'
import { normalizeRecord } from '../model/normalize-record.js'
import type { PluginContext } from '../plugin/plugin-context.js'
import type { Checkpoint, Source, SourceBatch, StreamDescriptor } from '../plugin/source-plugin.js'

/** What {@link describeSource} needs to test a source. */
export interface DescribeSourceOptions {
  /**
   * Opens the source on a fixture. Called once per test, with a default {@link PluginContext}
   * ({@link testPluginContext}: `timeZone`, `batchSize`, `process.cwd()`, warnings ignored), so
   * `(context) => source.create(options, context)` is enough.
   */
  readonly create: (context: PluginContext) => Promise<Source> | Source
  /** The streams the fixture must have. */
  readonly streams: ReadonlyArray<string>
  /** Time zone for naive times, also the context's `timezone`. Default is `UTC`. */
  readonly timeZone?: string
  /**
   * The context's `batchSize`. Default is 2: with one batch there is no checkpoint to resume from,
   * and the suite resumes from every checkpoint.
   */
  readonly batchSize?: number
  /**
   * Opens the source on a fixture holding one record with a hostile value (see {@link HostileInput})
   * in a field the source keeps (into `extra` or a JSON column), besides ordinary records. When
   * given, the suite holds the source to every {@link HOSTILE_KINDS} case.
   */
  readonly hostile?: (input: HostileInput) => Promise<Source>
}

/** The hostile values every source must survive: read on, keep exactly or reject with a reason. */
export const HOSTILE_KINDS = ['deep', 'huge-string', 'huge-array', 'non-finite'] as const

/** One of {@link HOSTILE_KINDS}. */
export type HostileKind = (typeof HOSTILE_KINDS)[number]

/** A hostile value for {@link DescribeSourceOptions.hostile} to write into the source's fixture. */
export interface HostileInput {
  /**
   * `deep`: an object nested 20,000 levels (`{"a":{"a":…1}}`); `huge-string`: a 5 MB string;
   * `huge-array`: the numbers 0…99,999; `non-finite`: ±Infinity and -0 (`[1e999,-1e999,-0]` as
   * JSON text, NaN too as a value, for binary formats).
   */
  readonly kind: HostileKind
  /** The value as JSON text (`JSON.stringify` itself overflows on `deep`). */
  readonly json: string
  /** The value, for formats that are not JSON text (`[Infinity, -Infinity, -0, NaN]` for `non-finite`). */
  readonly value: () => unknown
}

/** How deep `deep` nests: far beyond every limit, and deeper than the JS stack goes recursively. */
const HOSTILE_DEPTH = 20_000
const HUGE_STRING = `hostile:${'0123456789abcdef\u00e9\u20ac\u{1F600}'.repeat(240_000)}`.slice(0, 5_000_000)
const HUGE_ARRAY_LENGTH = 100_000

/** The {@link HostileInput} of each kind. */
export function hostileInput(kind: HostileKind): HostileInput {
  switch (kind) {
    case 'deep':
      return {
        kind,
        json: `${'{"a":'.repeat(HOSTILE_DEPTH - 1)}{"a":1}${'}'.repeat(HOSTILE_DEPTH - 1)}`,
        value: () => {
          const top: Record<string, unknown> = {}
          let node = top
          for (let level = 1; level < HOSTILE_DEPTH; level++) {
            const next: Record<string, unknown> = {}
            node.a = next
            node = next
          }
          node.a = 1
          return top
        },
      }
    case 'huge-string':
      return { kind, json: JSON.stringify(HUGE_STRING), value: () => HUGE_STRING }
    case 'huge-array': {
      const array = () => Array.from({ length: HUGE_ARRAY_LENGTH }, (_, i) => i)
      return { kind, json: JSON.stringify(array()), value: array }
    }
    case 'non-finite':
      return {
        kind,
        json: '[1e999,-1e999,-0]',
        value: () => [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, Number.NaN],
      }
  }
}

/**
 * A {@link PluginContext} for tests: `timezone` UTC, `batchSize` 2 (several checkpoints), `cwd`
 * `process.cwd()`, `warn` ignoring messages; anything given replaces the default.
 *
 * ```ts
 * const source = await plugin.create({ file: 'fills.csv' }, testPluginContext({ timezone: 'Asia/Kolkata' }))
 * ```
 */
export function testPluginContext(overrides: Partial<PluginContext> = {}): PluginContext {
  return { timezone: 'UTC', batchSize: 2, cwd: process.cwd(), warn: () => {}, ...overrides }
}

/**
 * The conformance suite every source plugin runs (like unstorage's `testDriver`): discovery,
 * valid canonical records (no plugin error either: every key a column, every value of a type its
 * column takes), unique source keys, deterministic reads, exact resume from any checkpoint, and
 * (with {@link DescribeSourceOptions.hostile}) hostile values: a record nested 20,000 levels deep, a
 * 5 MB string, a 100,000-element array, ±Infinity, NaN and -0.
 *
 * In a `*.test.ts` file (vitest), with the plugin's options and the default context:
 *
 * ```ts
 * import { describeSource } from '@ledgerport/core/testing'
 * import { source } from './broker-source.js'
 *
 * describeSource('broker-csv', {
 *   create: (context) => source.create({ file: 'test/fills.csv', exchange: 'NSE' }, context),
 *   streams: ['fills'],
 *   timeZone: 'Asia/Kolkata',
 * })
 * ```
 */
export function describeSource(name: string, options: DescribeSourceOptions): void {
  const readAll = async (
    source: Source,
    stream: StreamDescriptor,
    from?: Checkpoint,
  ): Promise<SourceBatch[]> => {
    const batches: SourceBatch[] = []
    for await (const batch of source.read(stream, from)) batches.push(batch)
    return batches
  }
  const withSource = async <T>(work: (source: Source) => Promise<T>): Promise<T> => {
    const source = await options.create(
      testPluginContext({
        timezone: options.timeZone ?? 'UTC',
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      }),
    )
    try {
      return await work(source)
    } finally {
      await source.close()
    }
  }

  describe(`source conformance: ${name}`, () => {
    it('discovers its streams, each with known canonical tables', async () => {
      await withSource(async (source) => {
        const streams = await source.discover()
        expect(streams.map((s) => s.name).sort()).toEqual([...options.streams].sort())
        expect(new Set(streams.map((s) => s.name)).size).toBe(streams.length)
        for (const stream of streams) {
          expect(stream.entities.length).toBeGreaterThan(0)
          for (const entity of stream.entities) expect(ENTITIES).toContain(entity)
        }
      })
    })

    it("yields valid canonical records with unique source keys, each in its stream's tables", async () => {
      await withSource(async (source) => {
        for (const stream of await source.discover()) {
          const keys = new Set<string>()
          let records = 0
          for (const batch of await readAll(source, stream)) {
            expect(batch.checkpoint).not.toBeUndefined()
            for (const record of batch.records) {
              records++
              expect(stream.entities).toContain(record.entity)
              const key = `${record.entity}\u0000${record.sourceKey}`
              expect(keys.has(key), `${stream.name}: duplicate ${record.entity} ${record.sourceKey}`).toBe(
                false,
              )
              keys.add(key)
              checkPluginRecord(record, name)
              const { issues } = normalizeRecord(record, { timeZone: options.timeZone ?? 'UTC' })
              expect(issues, `${stream.name} ${record.entity} ${record.sourceKey}`).toEqual([])
            }
            for (const reject of batch.rejects ?? []) {
              expect(reject.reason.length).toBeGreaterThan(0)
              expect(reject.location.file ?? reject.location.table).toBeTruthy()
            }
          }
          expect(records, `stream ${stream.name} yielded no records`).toBeGreaterThan(0)
        }
      })
    })

    it('reads the same records twice', async () => {
      const read = () =>
        withSource(async (source) => {
          const out: CanonicalRecord[] = []
          for (const stream of await source.discover())
            for (const batch of await readAll(source, stream)) out.push(...batch.records)
          return out
        })
      expect(await read()).toEqual(await read())
    })

    if (options.hostile) {
      const hostile = options.hostile
      describe.each(HOSTILE_KINDS)('a record with a hostile value: %s', (kind) => {
        it('is read on, every record prepared, and every reject written, without a stack overflow', async () => {
          const input = hostileInput(kind)
          const source = await hostile(input)
          try {
            const rejects: Reject[] = []
            const texts: string[] = []
            let records = 0
            for (const stream of await source.discover()) {
              for (const batch of await readAll(source, stream)) {
                records += batch.records.length
                rejects.push(...(batch.rejects ?? []))
                // As the engine does: validation never throws, whatever a record holds.
                const prepared = prepareRecords(batch.records, {
                  source: name,
                  runId: 'conformance',
                  timeZone: options.timeZone ?? 'UTC',
                  stream: stream.name,
                })
                rejects.push(...prepared.rejects)
                for (const rows of prepared.rows.values())
                  for (const row of rows)
                    for (const value of Object.values(row)) if (typeof value === 'string') texts.push(value)
              }
            }
            expect(records + rejects.length, 'the fixture yielded nothing').toBeGreaterThan(0)
            for (const reject of rejects) {
              expect(reject.reason.length).toBeGreaterThan(0)
              expect(reject.location.file ?? reject.location.table).toBeTruthy()
              // What the rejects file writes: never a throw.
              expect(JSON.parse(boundedJson(reject)).reason).toBe(reject.reason)
            }
            if (kind === 'deep') {
              // Stored nowhere: ledgerport stores at most 256 levels; a reject says so.
              expect(texts.some((text) => text.includes('{"a":'.repeat(300)))).toBe(false)
              expect(rejects.some((reject) => /deeper than/.test(reject.reason))).toBe(true)
            } else if (kind === 'huge-string' || kind === 'huge-array') {
              // Kept exactly: in a text column or in the canonical JSON of a JSON column or extra.
              const needle = input.json.slice(1, -1)
              expect(texts.some((text) => text.includes(needle))).toBe(true)
            } else {
              // No row holds a number JSON cannot (the engine refuses NaN and ±Infinity).
              for (const text of texts) expect(text).not.toMatch(/(^|[[,:])-?(Infinity|NaN)([\],}]|$)/)
            }
          } finally {
            await source.close()
          }
        })
      })
    }

    it('resumes from every checkpoint with exactly the records that follow it', async () => {
      await withSource(async (source) => {
        for (const stream of await source.discover()) {
          const full = await readAll(source, stream)
          for (let k = 0; k < full.length - 1; k++) {
            const rest = await readAll(source, stream, full[k]!.checkpoint)
            const expected = full
              .slice(k + 1)
              .flatMap((b) => b.records.map((r) => `${r.entity}:${r.sourceKey}`))
            expect(rest.flatMap((b) => b.records.map((r) => `${r.entity}:${r.sourceKey}`))).toEqual(expected)
          }
          if (full.length) {
            const tail = await readAll(source, stream, full.at(-1)!.checkpoint)
            expect(tail.flatMap((b) => b.records)).toEqual([])
          }
        }
      })
    })
  })
}
