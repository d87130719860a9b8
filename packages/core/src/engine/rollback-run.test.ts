import { createScratchDatabase } from '@ledgerport/test-kit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connect } from '../db/connect.js'
import type { CanonicalRecord } from '../model/canonical-record.js'
import type { Source, SourceBatch } from '../plugin/source-plugin.js'
import { DataMigrator } from './data-migrator.js'
import { rollbackRun } from './rollback-run.js'
import { SqlTarget } from './sql-target.js'
import { verifyData } from './verify-data.js'

/** One bot's database: a `bots` row and three orders, all linked to `--user-id` by the engine. */
function botSource(bot: string): Source {
  return {
    discover: async () => [
      { name: `${bot}/bot`, entities: ['bots'] },
      { name: `${bot}/orders`, entities: ['orders'] },
    ],
    async *read(stream): AsyncGenerator<SourceBatch> {
      const records: CanonicalRecord[] = stream.name.endsWith('/bot')
        ? [{ entity: 'bots', sourceKey: `bot:${bot}`, values: { name: bot } }]
        : Array.from({ length: 3 }, (_, i) => ({
            entity: 'orders',
            sourceKey: `${bot}:order:${i}`,
            values: {
              bot_id: { ref: 'bots', sourceKey: `bot:${bot}` },
              symbol: 'BTC/USDT',
              side: 'buy',
              status: 'filled',
              price: String(100 + i),
            },
          }))
      yield { records, checkpoint: 1 }
    },
    close: async () => {},
  }
}

describe.each(['sqlite', 'postgres'] as const)(
  'rolling back the run that created the --user-id row, on %s',
  (engine) => {
    let target: SqlTarget
    let drop: () => Promise<void>

    beforeEach(async () => {
      const database = await createScratchDatabase(engine)
      drop = database.drop
      target = new SqlTarget({ connection: await connect(database.url) })
      await target.prepare()
    })
    afterEach(async () => {
      await target.close()
      await drop()
    })

    const migrate = async (bot: string) => {
      const result = await new DataMigrator({
        source: botSource(bot),
        sourceName: 'fleet',
        scope: bot,
        target,
        rejectsFile: false,
        userId: '7',
      }).run()
      expect(result.error).toBeUndefined()
      return result.runId
    }
    const verify = (bot: string) =>
      verifyData({ source: botSource(bot), sourceName: 'fleet', target, userId: '7' })
    const users = () => target.connection.db.selectFrom('users').select(['source', 'first_run_id']).execute()

    it('keeps the users row later runs still point at, says so, and verify finds no dangling reference', async () => {
      const first = await migrate('a')
      const second = await migrate('b')
      expect(await users()).toEqual([{ source: 'cli', first_run_id: first }])

      const rolledBack = await rollbackRun(target, { runId: first })
      expect(rolledBack.error).toBeUndefined()
      expect(rolledBack.runs).toEqual([
        { runId: first, deleted: { orders: 3, bots: 1 }, restored: {}, kept: { users: 1 } },
      ])
      expect(rolledBack.notes).toEqual([
        `Kept 1 users row(s) run ${first} inserted: rows of run(s) ${second} still reference them (they now belong to run ${second}).`,
      ])
      expect(await users()).toEqual([{ source: 'cli', first_run_id: second }])
      const verified = await verify('b')
      expect(verified.error).toBeUndefined()
      expect(verified.ok).toBe(true)
      expect(verified.orphans.filter((c) => c.count > 0)).toEqual([])
      expect(verified.orphans.map((c) => c.check)).toContain('orders.user_id → users (--user-id)')

      // Now nothing references it: rolling back the run it was handed to removes it.
      const last = await rollbackRun(target, { runId: second })
      expect(last.runs).toEqual([
        { runId: second, deleted: { orders: 3, bots: 1, users: 1 }, restored: {}, kept: {} },
      ])
      expect(last.notes).toEqual([])
      expect(await users()).toEqual([])
    })

    it('verify reports rows pointing at a --user-id row that is gone', async () => {
      await migrate('a')
      // What the rollback used to do: the users row removed under rows that point at it.
      await target.connection.db.deleteFrom('users').execute()
      const verified = await verify('a')
      expect(verified.ok).toBe(false)
      expect(verified.orphans.filter((c) => c.count > 0)).toMatchObject([
        { check: 'bots.user_id → users (--user-id)', count: 1 },
        { check: 'orders.user_id → users (--user-id)', count: 3 },
      ])
    })
  },
)
