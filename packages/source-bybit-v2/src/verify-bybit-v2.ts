import type { DatabaseConnection, Target } from '@ledgerport/core'
import { sql } from 'kysely'
import { isUnset } from './row-reader.js'
import { isClosedTrade } from './source-keys.js'
import { type BybitV2Options, V2_KEY, V2Database } from './v2-database.js'

/** One of the v2→v3 guide's step-5 checks. */
export interface BybitV2Check {
  /** What was checked, e.g. `v2 trades → round trips`. */
  readonly check: string
  /** The count in the v2 database, for checks that compare both sides. */
  readonly source?: number
  /** The count in the target. */
  readonly target: number
  /** For comparisons: the counts are equal; for value checks: no row fails. */
  readonly ok: boolean
  /** Counts per canonical column, for value checks. */
  readonly details?: Readonly<Record<string, number>>
  /** Something worth knowing about the counts. */
  readonly note?: string
}

/** The result of {@link verifyBybitV2}; it never throws. */
export interface BybitV2Verification {
  /** True when every check is ok. */
  readonly ok: boolean
  readonly checks: ReadonlyArray<BybitV2Check>
  /** Set when the checks could not run (then `ok` is false). */
  readonly error?: Error
}

/** Options of {@link verifyBybitV2}. */
export interface VerifyBybitV2Options {
  /** The v2 database: the source's options (it is opened read-only and closed again), or an open one. */
  readonly source: BybitV2Options | V2Database
  /** The target the v2 database was migrated into: a `Target` or its connection. */
  readonly target: Target | DatabaseConnection
  /** The `source` column of the migrated rows. Default is `bybit-v2`. */
  readonly sourceName?: string
}

/** Canonical columns that must hold prices > 0. */
const PRICE_COLUMNS = [
  ['orders', 'price'],
  ['orders', 'avg_price'],
  ['fills', 'price'],
  ['round_trips', 'open_rate'],
  ['round_trips', 'close_rate'],
  ['protective_orders', 'trigger_price'],
  ['exchange_executions', 'price'],
] as const

/** Canonical tables whose rows must have a symbol. */
const SYMBOL_TABLES = [
  'round_trips',
  'orders',
  'fills',
  'protective_orders',
  'exchange_executions',
  'signals',
] as const

/**
 * The v2→v3 migration guide's step-5 validation, against a target the `bybit-v2` source was run into:
 * - `v2 trades → round trips`: every v2 trade has its round trip;
 * - `closed v2 trades → exit fills`: every `CLOSE` trade has its exit fill;
 * - `v2 sltp_orders rows → protective orders`: every SL/TP row has its protective orders;
 * - `v2 trades without order_id → round trips`: the guide's orphaned records were migrated, not dropped;
 * - `round trips without their entry order`: the guide's orphan query (must be 0);
 * - `empty symbols` and `prices ≤ 0` in the migrated rows (must be 0).
 *
 * ```ts
 * const result = await verifyBybitV2({ source: { sourceUrl: 'sqlite:v2.db' }, target })
 * for (const c of result.checks) console.log(c.check, c.source, c.target, c.ok)
 * ```
 */
export async function verifyBybitV2(options: VerifyBybitV2Options): Promise<BybitV2Verification> {
  const sourceName = options.sourceName ?? 'bybit-v2'
  const connection = 'connection' in options.target ? options.target.connection : options.target
  let database: V2Database | undefined
  const opened = !(options.source instanceof V2Database)
  try {
    database = options.source instanceof V2Database ? options.source : await V2Database.open(options.source)
    const v2 = await scanV2(database)
    const db = connection.db
    const count = async (query: ReturnType<typeof sql<{ n: unknown }>>): Promise<number> =>
      Number((await query.execute(db)).rows[0]?.n ?? 0)
    const checks: BybitV2Check[] = []
    const compare = (check: string, source: number, target: number, note?: string): void => {
      checks.push({ check, source, target, ok: source === target, ...(note ? { note } : {}) })
    }

    compare(
      'v2 trades → round trips',
      v2.trades,
      await count(sql`select count(*) as n from round_trips
        where source = ${sourceName} and source_key like 'trade:%'`),
    )
    compare(
      'closed v2 trades → exit fills',
      v2.closed,
      await count(sql`select count(*) as n from fills
        where source = ${sourceName} and source_key like 'trade:%:exit-fill'`),
      v2.closedWithoutTime ? `${v2.closedWithoutTime} closed trades have no closed_at` : undefined,
    )
    compare(
      'v2 sltp_orders rows → protective orders',
      v2.sltp,
      await count(sql`select count(distinct replace(replace(source_key, ':sl', ''), ':tp', '')) as n
        from protective_orders where source = ${sourceName} and source_key like 'sltp:%'`),
      v2.sltpMissing ? 'the v2 database has no sltp_orders table' : undefined,
    )
    compare(
      'v2 trades without order_id → round trips',
      v2.withoutOrderId,
      await count(sql`select count(*) as n from round_trips r join orders o on o.id = r.entry_order_id
        where r.source = ${sourceName} and r.source_key like 'trade:%' and o.exchange_order_id is null`),
      'the orphaned records of the v2→v3 guide: migrated, with an entry order that has no exchange order id',
    )
    const withoutEntry = await count(sql`select count(*) as n from round_trips r
      where r.source = ${sourceName} and r.source_key like 'trade:%'
      and (r.entry_order_id is null or not exists (select 1 from orders o where o.id = r.entry_order_id))`)
    checks.push({
      check: 'round trips without their entry order',
      target: withoutEntry,
      ok: withoutEntry === 0,
    })

    const symbols: Record<string, number> = {}
    for (const table of SYMBOL_TABLES) {
      symbols[`${table}.symbol`] = await count(sql`select count(*) as n from ${sql.table(table)}
        where source = ${sourceName} and (symbol is null or trim(symbol) = '')`)
    }
    checks.push(valueCheck('empty symbols', symbols, v2.emptySymbols, 'v2 trades with an empty symbol'))
    const prices: Record<string, number> = {}
    for (const [table, column] of PRICE_COLUMNS) {
      prices[`${table}.${column}`] = await count(sql`select count(*) as n from ${sql.table(table)}
        where source = ${sourceName} and ${sql.ref(column)} is not null
        and ${notPositive(connection.kind, column)}`)
    }
    checks.push(valueCheck('prices ≤ 0', prices, v2.nonPositivePrices, 'v2 trades with entry_price ≤ 0'))
    return { ok: checks.every((c) => c.ok), checks }
  } catch (error) {
    return { ok: false, checks: [], error: error as Error }
  } finally {
    if (opened) await database?.close()
  }
}

function valueCheck(
  check: string,
  details: Record<string, number>,
  inSource: number,
  what: string,
): BybitV2Check {
  const target = Object.values(details).reduce((a, b) => a + b, 0)
  return {
    check,
    target,
    ok: target === 0,
    details,
    ...(inSource ? { note: `${inSource} ${what}` } : {}),
  }
}

/** `column ≤ 0` for a decimal column: NUMERIC on PostgreSQL, exact decimal text on SQLite/libSQL. */
function notPositive(kind: string, column: string) {
  const ref = sql.ref(column)
  return kind === 'postgres' ? sql`${ref} <= 0` : sql`(${ref} like '-%' or trim(${ref}, '0.') = '')`
}

/** Counts in the v2 database, read page by page (memory stays flat). */
async function scanV2(database: V2Database) {
  const trades = await database.columns('trades')
  if (!trades) throw new Error(`${database.where} has no trades table: it is not a v2 Bybit bot database.`)
  const counts = {
    trades: 0,
    closed: 0,
    closedWithoutTime: 0,
    withoutOrderId: 0,
    emptySymbols: 0,
    nonPositivePrices: 0,
    sltp: 0,
    sltpMissing: false,
  }
  let after: number | string | undefined
  for (;;) {
    const rows = await database.page('trades', after, 5_000, [
      V2_KEY,
      'status',
      'order_id',
      'symbol',
      'entry_price',
      'closed_at',
    ])
    for (const row of rows) {
      counts.trades++
      if (isClosedTrade(row.status)) {
        counts.closed++
        if (row.closed_at === null || row.closed_at === undefined || String(row.closed_at).trim() === '')
          counts.closedWithoutTime++
      }
      if (isUnset(row.order_id)) counts.withoutOrderId++
      if (row.symbol === null || row.symbol === undefined || String(row.symbol).trim() === '')
        counts.emptySymbols++
      const price = row.entry_price === null || row.entry_price === undefined ? '' : String(row.entry_price)
      if (price.trim() !== '' && Number(price) <= 0) counts.nonPositivePrices++
    }
    if (rows.length < 5_000) break
    const last = rows.at(-1)![V2_KEY]
    after = typeof last === 'number' ? last : String(last)
  }
  if (await database.columns('sltp_orders')) counts.sltp = await database.count('sltp_orders')
  else counts.sltpMissing = true
  return counts
}
