import { join } from 'node:path'
import type { Reject } from '@ledgerport/core'
import {
  createTempDir,
  FREQTRADE_SCHEMAS,
  type FreqtradeDatabaseFixture,
  type FreqtradeSchema,
  writeFreqtradeDatabase,
} from '@ledgerport/test-kit'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readReference } from './test/reference.js'
import {
  copyToLibsql,
  type LibsqlCopy,
  type ReadAll,
  readAll,
  rowHashes,
  tursoOptions,
} from './test/support.js'
import { source } from './turso-source.js'

const WAL_SINCE = FREQTRADE_SCHEMAS.indexOf('2021.12')

let dir: { path: string; cleanup(): Promise<void> }
beforeAll(async () => {
  dir = await createTempDir('ledgerport-turso-versions-')
})
afterAll(() => dir.cleanup())

/** A reject with where it was read replaced, so the two sources' rejects compare. */
const comparable = (reject: Reject, where: string) => ({
  entity: reject.entity,
  table: reject.location.table,
  key: reject.location.key,
  field: reject.field,
  reason: reject.reason.replaceAll(where, 'DATABASE'),
  file: reject.location.file === where ? 'DATABASE' : reject.location.file,
})

/** What both sources read from one database, and what the fixture says it holds. */
interface Pair {
  readonly fixture: FreqtradeDatabaseFixture
  readonly freqtrade: ReadAll
  readonly turso: ReadAll
  readonly tursoWhere: string
}

async function readBoth(
  fixture: FreqtradeDatabaseFixture,
  copy: LibsqlCopy,
  batchSize: number,
): Promise<{ freqtrade: ReadAll; turso: ReadAll }> {
  // What freqtrade-sqlite reads from the file: the mapping over better-sqlite3.
  const freqtrade = await readReference(fixture.path, 'bot')
  const turso = await readAll((context) =>
    source.create(tursoOptions([copy], ['bot']), { ...context, batchSize }),
  )
  return { freqtrade, turso }
}

function expectSameCanonicalRows({ fixture, freqtrade, turso, tursoWhere }: Pair): void {
  const expected = rowHashes(freqtrade.records)
  // Not vacuous: every trade, order, fill and wallet row the fixture says maps, and the bot.
  const ok = <T extends { expect: { ok: boolean } }>(list: ReadonlyArray<T>) =>
    list.filter((item) => item.expect.ok)
  const fills = ok(fixture.orders).filter((order) => (order.filled ?? 0) > 0).length
  expect(expected.size).toBe(
    1 + ok(fixture.trades).length + ok(fixture.orders).length + fills + fixture.wallet.length,
  )
  expect(rowHashes(turso.records)).toEqual(expected)
  expect(turso.records.map((r) => `${r.entity} ${r.sourceKey}`).sort()).toEqual(
    freqtrade.records.map((r) => `${r.entity} ${r.sourceKey}`).sort(),
  )
  expect(turso.rejects.length).toBe(freqtrade.rejects.length)
  expect(turso.rejects.map((r) => comparable(r, tursoWhere))).toEqual(
    expect.arrayContaining(freqtrade.rejects.map((r) => comparable(r, fixture.path))),
  )
  expect(turso.warnings.map((w) => w.replaceAll(tursoWhere, 'DATABASE')).sort()).toEqual(
    freqtrade.warnings.map((w) => w.replaceAll(fixture.path, 'DATABASE')).sort(),
  )
}

describe.each([
  ['Hrana over HTTP', 'libsql-http', FREQTRADE_SCHEMAS],
  // A file, read through @libsql/client with the file attached: the oldest, a WAL and the newest generation.
  ['a libSQL file', 'libsql', ['0.16', '2022.4', 'current']],
] as const)('Freqtrade schema generations read from %s', (_, engine, schemas) => {
  describe.each(schemas.map((schema) => [schema, FREQTRADE_SCHEMAS.indexOf(schema)] as const))(
    '%s',
    (schema, index) => {
      let copy: LibsqlCopy
      let pair: Pair
      beforeAll(async () => {
        const fixture = writeFreqtradeDatabase(join(dir.path, `${engine}-${schema}.sqlite`), {
          schema: schema as FreqtradeSchema,
          seed: index + 11,
          // WAL generations keep their newest trades in the -wal, as a killed bot leaves them.
          ...(index >= WAL_SINCE ? { walTrades: 2 } : {}),
        })
        copy = await copyToLibsql(fixture.path, engine)
        // Small pages on the libSQL side: every stream, custom data included, spans several.
        const { freqtrade, turso } = await readBoth(fixture, copy, 5)
        pair = {
          fixture,
          freqtrade,
          turso,
          tursoWhere: engine === 'libsql' ? copy.url.replace(/^file:/, '') : turso.locations[0]!,
        }
      })
      afterAll(() => copy?.drop())

      it('maps to the same canonical rows (row hashes), rejects and notes as freqtrade-sqlite', () => {
        expectSameCanonicalRows(pair)
      })

      it('names the database in every location, without secrets', () => {
        expect(new Set(pair.turso.locations)).toEqual(new Set([pair.tursoWhere]))
        for (const record of pair.turso.records) expect(record.location?.file).toBe(pair.tursoWhere)
        const bot = pair.turso.records.find((record) => record.entity === 'bots')!
        expect(bot.extra).toMatchObject({ database: pair.tursoWhere })
      })
    },
  )
})

describe('values at the edges of SQLite', () => {
  let fixture: FreqtradeDatabaseFixture
  let copy: LibsqlCopy
  let pair: Pair
  beforeAll(async () => {
    fixture = writeFreqtradeDatabase(join(dir.path, 'edges.sqlite'), {
      schema: 'current',
      seed: 5,
      trades: 6,
    })
    const db = new Database(fixture.path)
    try {
      // Keys and integers past 2^53, a blob, REALs that are whole numbers, exponents and tiny.
      db.pragma('foreign_keys = OFF')
      db.exec(`
        UPDATE trades SET record_version = X'00ff10', max_rate = 2.0, min_rate = 1e-300 WHERE id = 1;
        INSERT INTO orders (id, ft_trade_id, ft_order_side, ft_pair, ft_is_open, ft_amount, ft_price, order_id, status,
          order_type, side, price, average, amount, filled, remaining, cost, order_date)
          VALUES (9007199254740993, 1, 'buy', 'ETH/USDT', 0, 3.0, 0.1, '9223372036854775807', 'closed', 'limit', 'buy',
          0.30000000000000004, 123456789012345680000, 3.0, 3.0, 0.0, 1e21, '2026-05-20 10:00:00.000001');
        UPDATE "KeyValueStore" SET int_value = 9223372036854775807 WHERE key = 'binance_migration';
      `)
    } finally {
      db.close()
    }
    copy = await copyToLibsql(fixture.path, 'libsql-http')
    const { freqtrade, turso } = await readBoth(fixture, copy, 5000)
    pair = { fixture, freqtrade, turso, tursoWhere: turso.locations[0]! }
  })
  afterAll(() => copy?.drop())

  it('arrive with the shapes freqtrade-sqlite reads (intMode bigint), to the same rows', () => {
    const { freqtrade, turso } = pair
    expect(rowHashes(turso.records)).toEqual(rowHashes(freqtrade.records))
    const order = turso.records.find((r) => r.sourceKey === 'bot:order:9007199254740993')!
    expect(order.values).toMatchObject({
      exchange_order_id: '9223372036854775807',
      price: '0.30000000000000004',
      avg_price: '123456789012345680000',
      quantity: '3',
    })
    expect(order.extra).toMatchObject({ id: 9007199254740993n, cost: '1000000000000000000000' })
    const trade = turso.records.find((r) => r.sourceKey === 'bot:trade:1')!
    expect(trade.extra).toMatchObject({ record_version: { base64: 'AP8Q' }, max_rate: '2' })
    expect(String((trade.extra as Record<string, unknown>).min_rate)).toMatch(/^0\.0{299}1$/)
    const bot = turso.records.find((r) => r.entity === 'bots')!
    expect(bot.values.config).toMatchObject({ key_value_store: { binance_migration: '9223372036854775807' } })
  })
})
