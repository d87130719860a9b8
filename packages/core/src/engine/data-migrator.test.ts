import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createTempDir } from '@ledgerport/test-kit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connect } from '../db/connect.js'
import type { CanonicalRecord } from '../model/canonical-record.js'
import type { Source, SourceBatch, StreamDescriptor } from '../plugin/source-plugin.js'
import { createSyntheticSource } from '../testing/synthetic-source.js'
import { DataMigrator } from './data-migrator.js'
import { SqlTarget } from './sql-target.js'

const order = (key: string, price: string): CanonicalRecord => ({
  entity: 'orders',
  sourceKey: key,
  values: { symbol: 'TCS', side: 'buy', status: 'filled', price },
})

/** A source with a healthy stream, a stream that breaks after one batch, and an in-source duplicate. */
function scriptedSource(): Source {
  const streams: StreamDescriptor[] = [
    { name: 'good', entities: ['orders'] },
    { name: 'broken', entities: ['orders'] },
    { name: 'after', entities: ['orders'] },
  ]
  return {
    discover: async () => streams,
    async *read(stream, from): AsyncGenerator<SourceBatch> {
      if (stream.name === 'good') {
        yield { records: [order('a', '1.5'), order('a', '1.5'), order('b', '2')], checkpoint: 1 }
      } else if (stream.name === 'broken') {
        if (from !== 1) yield { records: [order('c', '3')], checkpoint: 1 }
        throw new Error('trades_history.json is truncated at byte 1234: restore the file or remove it')
      } else {
        yield {
          records: [order('d', '4')],
          duplicates: [
            { location: { file: 'x.json', path: 'orders[3]' }, reason: 'same broker order id as orders[1]' },
          ],
          checkpoint: 1,
        }
      }
    },
    close: async () => {},
  }
}

describe('DataMigrator', () => {
  let target: SqlTarget
  let cleanup: () => Promise<void>

  beforeEach(async () => {
    const dir = await createTempDir()
    cleanup = dir.cleanup
    target = new SqlTarget({ connection: await connect(`sqlite:${join(dir.path, 't.db')}`) })
    await target.prepare()
  })
  afterEach(async () => {
    await target.close()
    await cleanup()
  })

  it('keeps going when one stream fails, counts duplicates, and reports the failure', async () => {
    const result = await new DataMigrator({
      source: scriptedSource(),
      sourceName: 'scripted',
      target,
      rejectsFile: false,
    }).run()
    expect(result.results.map((r) => [r.stream, r.status, r.inserted, r.duplicates])).toEqual([
      ['good', 'Success', 2, 1],
      ['broken', 'Error', 1, 0],
      ['after', 'Success', 1, 1],
    ])
    expect(result.error?.message).toContain('broken: trades_history.json is truncated at byte 1234')
    const run = await target.connection.db
      .selectFrom('ledgerport_runs')
      .select(['status', 'error'])
      .executeTakeFirst()
    expect(run).toMatchObject({ status: 'failed' })
    // The same command resumes the failed run: finished streams are skipped, the broken one is retried.
    const again = await new DataMigrator({
      source: scriptedSource(),
      sourceName: 'scripted',
      target,
      rejectsFile: false,
    }).run()
    expect(again.resumed).toBe(true)
    expect(again.runId).toBe(result.runId)
    expect(again.results.map((r) => [r.stream, r.status, r.read])).toEqual([
      ['good', 'Success', 0],
      ['broken', 'Error', 0],
      ['after', 'Success', 0],
    ])
  })

  it('writes the rejects file on a dry run too, and keeps nothing in the target', async () => {
    const dir = await createTempDir()
    try {
      const file = join(dir.path, 'rejects.jsonl')
      const result = await new DataMigrator({
        source: createSyntheticSource({ trades: 20, seed: 3, rejectEvery: 5 }),
        sourceName: 'synthetic',
        target,
        dryRun: true,
        rejectsFile: file,
      }).run()
      expect(result.error).toBeUndefined()
      expect(result.totals.rejected).toBeGreaterThan(0)
      expect(result.rejectsFile).toBe(file)
      const lines = (await readFile(file, 'utf8')).trim().split('\n')
      expect(lines).toHaveLength(result.totals.rejected)
      expect(JSON.parse(lines[0]!)).toMatchObject({ reason: expect.any(String) })
      expect(await target.connection.db.selectFrom('ledgerport_rejects').select('run_id').execute()).toEqual(
        [],
      )
    } finally {
      await dir.cleanup()
    }
  })

  it('stops cleanly after the current batch when aborted, and resumes from there', async () => {
    const stop = new AbortController()
    let batches = 0
    const first = await new DataMigrator({
      source: createSyntheticSource({ trades: 100, seed: 2 }, 40),
      sourceName: 'synthetic',
      target,
      rejectsFile: false,
      signal: stop.signal,
      onProgress: () => {
        if (++batches === 3) stop.abort()
      },
    }).run()
    expect(first.error?.message).toContain('Stopped before the end')
    const rest = await new DataMigrator({
      source: createSyntheticSource({ trades: 100, seed: 2 }, 40),
      sourceName: 'synthetic',
      target,
      rejectsFile: false,
    }).run()
    expect(rest.resumed).toBe(true)
    expect(rest.error).toBeUndefined()
    const fresh = await new DataMigrator({
      source: createSyntheticSource({ trades: 100, seed: 2 }, 40),
      sourceName: 'synthetic',
      target,
      rejectsFile: false,
      fresh: true,
    }).run()
    expect(fresh.totals.inserted).toBe(0)
    expect(fresh.totals.unchanged).toBe(first.totals.inserted + rest.totals.inserted)
  })

  it('records a run left `running` without a lock holder as failed, and still resumes it', async () => {
    const stop = new AbortController()
    let batches = 0
    const first = await new DataMigrator({
      source: createSyntheticSource({ trades: 100, seed: 2 }, 40),
      sourceName: 'synthetic',
      target,
      rejectsFile: false,
      signal: stop.signal,
      onProgress: () => {
        if (++batches === 2) stop.abort()
      },
    }).run()
    expect(first.error?.message).toContain('Stopped before the end')
    // What a process killed (or on a full disk) before it could record its end leaves behind.
    const db = target.connection.db
    await db.updateTable('ledgerport_runs').set({ status: 'running', finished_at: null }).execute()
    const other = await new DataMigrator({
      source: createSyntheticSource({ trades: 100, seed: 2 }, 40),
      sourceName: 'synthetic',
      target,
      rejectsFile: false,
      scope: 'another bot',
      dryRun: true,
    }).run()
    expect(other.error).toBeUndefined()
    // Another scope's run is not this one's to judge.
    expect(await db.selectFrom('ledgerport_runs').select('status').execute()).toEqual([{ status: 'running' }])
    const rest = await new DataMigrator({
      source: createSyntheticSource({ trades: 100, seed: 2 }, 40),
      sourceName: 'synthetic',
      target,
      rejectsFile: false,
    }).run()
    expect(rest.warnings).toContain(
      `Run ${first.runId} was still marked running; recorded as failed: the process stopped without finishing (no lock held).`,
    )
    expect(rest.resumed).toBe(true)
    expect(rest.runId).toBe(first.runId)
    expect(rest.error).toBeUndefined()
    expect(await db.selectFrom('ledgerport_runs').select(['status', 'error']).execute()).toEqual([
      { status: 'succeeded', error: null },
    ])
  })
})
