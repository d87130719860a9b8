import { describe, expect, it } from 'vitest'
import type { CanonicalRecord } from '../model/canonical-record.js'
import { ENTITIES } from '../model/entities.js'
import { normalizeRecord } from '../model/normalize-record.js'
import type { Checkpoint, Source, SourceBatch, StreamDescriptor } from '../plugin/source-plugin.js'

/** What {@link describeSource} needs to test a source. */
export interface DescribeSourceOptions {
  /** Opens the source on a fixture. Called once per test. */
  readonly create: () => Promise<Source>
  /** The streams the fixture must have. */
  readonly streams: ReadonlyArray<string>
  /** Time zone for naive times. Default is `UTC`. */
  readonly timeZone?: string
}

/**
 * The conformance suite every source plugin runs (like unstorage's `testDriver`): discovery,
 * valid canonical records, unique source keys, deterministic reads, and exact resume from any
 * checkpoint.
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
    const source = await options.create()
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
