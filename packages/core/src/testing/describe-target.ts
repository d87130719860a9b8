import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DataMigrator } from '../engine/data-migrator.js'
import { rollbackRun, rollbackSource } from '../engine/rollback-run.js'
import { verifyData } from '../engine/verify-data.js'
import { ENTITIES, ENTITY_COLUMNS } from '../model/entities.js'
import { canonicalId } from '../model/ids.js'
import { rowHash } from '../model/row-hash.js'
import type { Target } from '../plugin/target-plugin.js'
import { createSyntheticSource } from './synthetic-source.js'

/** What {@link describeTarget} needs to test a target. */
export interface DescribeTargetOptions {
  /** Opens the target on a fresh, empty database. Called once per test. */
  readonly create: () => Promise<Target>
  /** Removes that database. Called after each test. */
  readonly cleanup?: () => Promise<void>
}

/**
 * The conformance suite every target plugin runs: schema preparation, idempotent runs, updates
 * journaled and rolled back to the exact previous content, dry runs that change nothing, and
 * 10,000 random decimals of up to 38 significant digits that come back exactly.
 */
export function describeTarget(name: string, options: DescribeTargetOptions): void {
  describe(`target conformance: ${name}`, () => {
    let target: Target
    beforeEach(async () => {
      target = await options.create()
      await target.prepare()
    })
    afterEach(async () => {
      await target.close()
      await options.cleanup?.()
    })

    const migrate = (
      props: Partial<ConstructorParameters<typeof DataMigrator>[0]> & {
        trades?: number
        changeEvery?: number
      } = {},
    ) => {
      const { trades = 120, changeEvery, ...rest } = props
      return new DataMigrator({
        source: createSyntheticSource({ trades, seed: 7, ...(changeEvery ? { changeEvery } : {}) }, 100),
        sourceName: 'synthetic',
        target,
        rejectsFile: false,
        ...rest,
      }).run()
    }
    const snapshot = async (): Promise<Record<string, unknown[]>> => {
      const out: Record<string, unknown[]> = {}
      for (const entity of ENTITIES) {
        const rows = await target.connection.db.selectFrom(entity).selectAll().orderBy('id').execute()
        out[entity] = rows.map((row) => JSON.parse(JSON.stringify(row)))
      }
      return out
    }

    it('prepares the canonical model idempotently', async () => {
      await target.prepare()
      for (const entity of ENTITIES) {
        const rows = await target.connection.db.selectFrom(entity).select('id').limit(1).execute()
        expect(rows).toEqual([])
      }
    })

    it('writes every row once; a second identical run inserts and updates nothing', async () => {
      const first = await migrate()
      expect(first.error).toBeUndefined()
      expect(first.totals.inserted).toBeGreaterThan(0)
      expect(first.totals.updated).toBe(0)
      const second = await migrate()
      expect(second.error).toBeUndefined()
      expect(second.totals).toMatchObject({ inserted: 0, updated: 0, unchanged: first.totals.inserted })
      const verified = await verifyData({
        source: createSyntheticSource({ trades: 120, seed: 7 }, 100),
        sourceName: 'synthetic',
        target,
      })
      expect(verified.error).toBeUndefined()
      expect(verified.entities.every((e) => e.ok)).toBe(true)
      expect(verified.ok).toBe(true)
    })

    it('rewrites only changed rows, journals them, and rollback restores the exact previous rows', async () => {
      await migrate()
      const before = await snapshot()
      const changed = await migrate({ changeEvery: 10 })
      expect(changed.totals.updated).toBe(8) // closed round trips among every 10th of 120
      expect(changed.totals.inserted).toBe(0)
      const rolledBack = await rollbackRun(target, { runId: changed.runId })
      expect(rolledBack.error).toBeUndefined()
      expect(rolledBack.runs[0]!.restored).toEqual({ round_trips: 8 })
      expect(await snapshot()).toEqual(before)
    })

    it('refuses to roll back a run a later run changed, unless cascading', async () => {
      const first = await migrate()
      await migrate({ changeEvery: 10 })
      const refused = await rollbackRun(target, { runId: first.runId })
      expect(refused.error?.message).toContain('--cascade')
      const cascaded = await rollbackRun(target, { runId: first.runId, cascade: true })
      expect(cascaded.error).toBeUndefined()
      expect(cascaded.runs).toHaveLength(2)
      for (const entity of ENTITIES) {
        expect(await target.connection.db.selectFrom(entity).select('id').execute(), entity).toEqual([])
      }
    })

    it('removes what one source stream wrote, then everything the source wrote', async () => {
      await migrate({ trades: 30 })
      const streamOnly = await rollbackSource(target, { source: 'synthetic', stream: 'accounts' })
      expect(streamOnly.error).toBeUndefined()
      expect(streamOnly.deleted).toEqual({
        users: 5,
        bots: 5,
        strategies: 5,
        trading_sessions: 5,
        balances: 5,
        portfolio_snapshots: 5,
      })
      const again = await migrate({ trades: 30 })
      expect(again.totals.inserted).toBe(30)
      const all = await rollbackSource(target, { source: 'synthetic' })
      expect(all.error).toBeUndefined()
      for (const entity of ENTITIES) {
        expect(await target.connection.db.selectFrom(entity).select('id').execute(), entity).toEqual([])
      }
    })

    it('ends a load into empty tables with every index it set aside built again', async () => {
      const before = await indexNames(target)
      expect(before.length).toBeGreaterThan(ENTITIES.length)
      if (target.beginLoad) {
        // A load that dies after setting the indexes of empty tables aside: the next prepare builds them.
        await target.beginLoad(ENTITIES)
        const during = await indexNames(target)
        expect(during.length).toBeLessThan(before.length)
        for (const name of before.filter((n) => !during.includes(n)))
          expect(name).not.toMatch(/_pkey$|_source_source_key_key$|^sqlite_autoindex/)
        await target.prepare()
        expect(await indexNames(target)).toEqual(before)
      }
      const first = await migrate()
      expect(first.error).toBeUndefined()
      expect(await indexNames(target)).toEqual(before)
      if (target.connection.capabilities.analyzeColumns) {
        // Tables filled from empty have statistics at once: without them the planner takes them for
        // a few rows.
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stats
          where schemaname = current_schema() and tablename = 'orders' and attname = 'source'`.execute(
          target.connection.db,
        )
        expect(rows[0]?.n).toBe(1)
      }
      if (target.beginLoad) {
        // Tables that hold rows keep their indexes.
        await target.beginLoad(['orders', 'round_trips', 'fills'])
        expect(await indexNames(target)).toEqual(before)
      }
    })

    it('changes nothing on a dry run yet reports exact counts', async () => {
      const dry = await migrate({ dryRun: true })
      expect(dry.error).toBeUndefined()
      expect(dry.dryRun).toBe(true)
      const real = await migrate()
      expect(dry.totals).toEqual(real.totals)
      const runs = await target.connection.db.selectFrom('ledgerport_runs').select('id').execute()
      expect(runs.map((r) => r.id)).toEqual([real.runId])
    })

    it('stores 10,000 random decimals of up to 38 significant digits exactly', async () => {
      const random = seeded(38)
      const values: string[] = []
      for (let i = 0; i < 10_000; i++) {
        const digits = 1 + Math.floor(random() * 38)
        let text = ''
        for (let d = 0; d < digits; d++) text += Math.floor(random() * 10)
        text = text.replace(/^0+(?=\d)/, '')
        const scale = Math.floor(random() * Math.min(digits, 18))
        const integer = text.slice(0, text.length - scale) || '0'
        const fraction = text.slice(text.length - scale)
        values.push(
          `${random() < 0.3 ? '-' : ''}${integer}${fraction ? `.${fraction}` : ''}`.replace(
            /^-(0(\.0*)?)$/,
            '$1',
          ),
        )
      }
      const rows = values.map((price, i) => {
        const content = Object.fromEntries(
          ENTITY_COLUMNS.fills.map((column) => [column.name, null]),
        ) as Record<string, string | null>
        Object.assign(content, { symbol: 'BTCUSDT', side: 'buy', price, quantity: '1' })
        return {
          id: canonicalId('fills', 'decimals', String(i)),
          source: 'decimals',
          source_key: String(i),
          first_run_id: 'r',
          last_run_id: 'r',
          row_hash: rowHash(content),
          extra: null,
          source_stream: null,
          ...content,
        }
      })
      await target.transaction(async (tx) => {
        for (let i = 0; i < rows.length; i += 1_000) await tx.upsert('fills', rows.slice(i, i + 1_000), 'r')
      })
      const back = await sql<{
        source_key: string
        price: string
      }>`select source_key, price from fills where source = 'decimals'`.execute(target.connection.db)
      const byKey = new Map(back.rows.map((row) => [row.source_key, String(row.price)]))
      const wrong = values.filter((value, i) => byKey.get(String(i)) !== value)
      expect(wrong).toEqual([])
    })
  })
}

function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The names of the target's indexes on canonical tables, sorted. */
async function indexNames(target: Target): Promise<string[]> {
  const { db, capabilities } = target.connection
  const tables = sql.join(ENTITIES.map((e) => sql.lit(e)))
  const result =
    capabilities.dialect === 'postgres'
      ? await sql<{ name: string }>`select indexname as name from pg_indexes
          where schemaname = current_schema() and tablename in (${tables})`.execute(db)
      : await sql<{
          name: string
        }>`select name from sqlite_master where type = 'index' and tbl_name in (${tables})`.execute(db)
  return result.rows.map((row) => row.name).sort()
}
