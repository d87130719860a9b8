import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createScratchDatabase, createTempDir } from '@ledgerport/test-kit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connect } from '../db/connect.js'
import { MAX_CANONICAL_JSON_DEPTH, TOO_DEEP_NOTE } from '../model/bounded-json.js'
import type { CanonicalRecord } from '../model/canonical-record.js'
import type { Source, SourceBatch } from '../plugin/source-plugin.js'
import { DataMigrator } from './data-migrator.js'
import { RejectsFile } from './rejects-file.js'
import { SqlTarget } from './sql-target.js'

/** An object nested `depth` levels deep: `{"a":{"a":…{}}}`. */
function nested(depth: number): Record<string, unknown> {
  const top: Record<string, unknown> = {}
  let node = top
  for (let level = 1; level < depth; level++) {
    const next: Record<string, unknown> = {}
    node.a = next
    node = next
  }
  return top
}

const order = (key: string, extra?: Record<string, unknown>): CanonicalRecord => ({
  entity: 'orders',
  sourceKey: key,
  values: { symbol: 'TCS', side: 'buy', status: 'filled', price: '1.5' },
  location: { file: 'trades_history.json', path: `trades[${key}]` },
  ...(extra ? { extra } : {}),
})

/** One stream: a normal order, one whose extra is 20,000 levels deep, one at the limit, and a source reject with a deep raw. */
function hostileSource(): Source {
  return {
    discover: async () => [{ name: 'trades', entities: ['orders'] }],
    async *read(): AsyncGenerator<SourceBatch> {
      yield {
        records: [
          order('1'),
          order('2', { deep: nested(20_000) }),
          order('3', { edge: nested(MAX_CANONICAL_JSON_DEPTH - 1) }),
        ],
        checkpoint: 1,
      }
    },
    close: async () => {},
  }
}

describe.each(['sqlite', 'postgres'] as const)('a record nested 20,000 levels deep, into %s', (engine) => {
  let target: SqlTarget
  let drop: () => Promise<void>
  let dir: { path: string; cleanup(): Promise<void> }

  beforeEach(async () => {
    const database = await createScratchDatabase(engine)
    drop = database.drop
    target = new SqlTarget({ connection: await connect(database.url) })
    await target.prepare()
    dir = await createTempDir()
  })
  afterEach(async () => {
    await target.close()
    await drop()
    await dir.cleanup()
  })

  it('is rejected with its location and field, and the other records are written', async () => {
    const rejectsFile = join(dir.path, 'rejects.jsonl')
    const result = await new DataMigrator({
      source: hostileSource(),
      sourceName: 'hostile',
      scope: 'x',
      target,
      rejectsFile,
    }).run()
    expect(result.error).toBeUndefined()
    expect(result.results.map((r) => [r.stream, r.status, r.inserted, r.rejected])).toEqual([
      ['trades', 'Success', 2, 1],
    ])
    const lines = (await readFile(rejectsFile, 'utf8')).trim().split('\n')
    expect(lines).toHaveLength(1)
    const reject = JSON.parse(lines[0]!)
    expect(reject).toMatchObject({
      entity: 'orders',
      field: 'extra',
      location: { file: 'trades_history.json', path: 'trades[2]' },
    })
    expect(reject.reason).toMatch(
      new RegExp(
        `^holds JSON nested deeper than ${MAX_CANONICAL_JSON_DEPTH} levels of arrays and objects, the most ledgerport stores \\(level ${MAX_CANONICAL_JSON_DEPTH + 1} at \\$\\.deep\\.a\\.a.*….*\\.a\\); flatten it or leave it out$`,
      ),
    )
    const stored = await target.connection.db
      .selectFrom('orders')
      .select(['source_key'])
      .orderBy('source_key')
      .execute()
    expect(stored.map((row) => row.source_key)).toEqual(['1', '3'])
  })
})

describe('RejectsFile', () => {
  it('writes a reject whose raw record is 20,000 levels deep, a 5 MB string and a 100k array, without overflowing', async () => {
    const dir = await createTempDir()
    try {
      const file = new RejectsFile(join(dir.path, 'r.jsonl'))
      const huge = 'x'.repeat(5_000_000)
      const array = Array.from({ length: 100_000 }, (_, i) => i)
      file.write('run_1', 'src', [
        { location: { file: 'a.json', path: '$[0]' }, reason: 'too deep', raw: nested(20_000) },
        { location: { file: 'a.json', path: '$[1]' }, reason: 'huge', raw: { huge, array, n: 10n ** 30n } },
        {
          location: { file: 'a.json', path: '$[2]' },
          reason: 'odd',
          raw: [Number.NaN, Number.POSITIVE_INFINITY, -0],
        },
      ])
      await file.close()
      const [deep, big, odd] = (await readFile(join(dir.path, 'r.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
      let node = deep.raw
      let depth = 0
      while (typeof node === 'object') {
        node = node.a
        depth++
      }
      expect([depth, node]).toEqual([MAX_CANONICAL_JSON_DEPTH, TOO_DEEP_NOTE])
      expect(big.raw.huge).toBe(huge)
      expect(big.raw.array).toEqual(array)
      expect(big.raw.n).toBe('1000000000000000000000000000000')
      expect(odd.raw).toEqual([null, null, 0])
      expect(file.count).toBe(3)
    } finally {
      await dir.cleanup()
    }
  })
})
