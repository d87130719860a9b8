import { describe, expect, it } from 'vitest'
import type { CanonicalRecord } from '../model/canonical-record.js'
import type { EntityValues } from '../model/entities.js'
import { checkPluginRecord, PluginRecordError } from './check-plugin-record.js'
import { prepareRecords } from './prepare-records.js'

const OPTIONS = { source: 'broker-csv', runId: 'run_1', timeZone: 'UTC', stream: 'fills' }

function thrown(record: unknown): PluginRecordError {
  try {
    checkPluginRecord(record as CanonicalRecord, 'broker-csv')
  } catch (error) {
    if (error instanceof PluginRecordError) return error
    throw error
  }
  throw new Error('checkPluginRecord did not throw')
}

describe('checkPluginRecord', () => {
  it('makes a column that does not exist a plugin error naming plugin, entity and column', () => {
    const error = thrown({
      entity: 'fills',
      sourceKey: 'fill:1',
      values: { symbol: 'TCS', side: 'buy', price: '1', qty: '10' },
      location: { file: 'fills.csv', path: 'line 2' },
    })
    expect(error).toMatchObject({ plugin: 'broker-csv', entity: 'fills', column: 'qty' })
    expect(error.message).toContain(
      'Source plugin broker-csv wrote column qty on fills, which has no such column',
    )
    expect(error.message).toContain('(record at fills.csv line 2)')
    expect(error.message).toContain('quantity')
    // prepareRecords stops rather than rejecting the record.
    expect(() =>
      prepareRecords([{ entity: 'fills', sourceKey: 'fill:1', values: { qty: '10' } }], OPTIONS),
    ).toThrow(PluginRecordError)
  })

  it('makes a value of the wrong JS type, a reference to another table and an unknown table plugin errors', () => {
    const object = thrown({ entity: 'orders', sourceKey: 'o', values: { symbol: { code: 'TCS' } } })
    expect(object).toMatchObject({ entity: 'orders', column: 'symbol' })
    expect(object.message).toContain('orders.symbol as {"code":"TCS"}, an object, but a text column takes')
    expect(thrown({ entity: 'orders', sourceKey: 'o', values: { side: 1 } }).column).toBe('side')
    expect(thrown({ entity: 'orders', sourceKey: 'o', values: { reduce_only: {} } }).column).toBe(
      'reduce_only',
    )
    expect(
      thrown({ entity: 'fills', sourceKey: 'f', values: { order_id: { ref: 'users', sourceKey: 'u' } } })
        .message,
    ).toContain('order_id references orders, not users')
    expect(thrown({ entity: 'fill', sourceKey: 'f', values: {} })).toMatchObject({ column: 'entity' })
  })

  it('leaves bad data of the right shape to validation, which rejects the record', () => {
    const values = { symbol: 'TCS', side: 'BUY', price: 'abc', quantity: null, executed_at: new Date(0) }
    expect(() => checkPluginRecord({ entity: 'fills', sourceKey: 'f', values }, 'x')).not.toThrow()
    const prepared = prepareRecords([{ entity: 'fills', sourceKey: 'f', values }], OPTIONS)
    expect(prepared.rejects.map((r) => r.field).sort()).toEqual(['price', 'quantity', 'side'])
  })

  it("types CanonicalRecord<'fills'> values by the table's columns", () => {
    const fill: CanonicalRecord<'fills'> = {
      entity: 'fills',
      sourceKey: 'fill:1',
      values: {
        symbol: 'TCS',
        side: 'buy',
        price: '3900.05',
        quantity: 10,
        order_id: { ref: 'orders', sourceKey: 'order:1' },
        executed_at: '2026-03-02 09:15:00',
      },
    }
    const misspelt: EntityValues<'fills'> = {
      symbol: 'TCS',
      side: 'buy',
      price: '1',
      quantity: '1',
      // @ts-expect-error qty is not a column of fills
      qty: '1',
    }
    // @ts-expect-error sides are lower-case
    const upper: EntityValues<'fills'> = { symbol: 'TCS', side: 'BUY', price: '1', quantity: '1' }
    // @ts-expect-error quantity is required on fills
    const partial: EntityValues<'fills'> = { symbol: 'TCS', side: 'buy', price: '1' }
    // @ts-expect-error order_id references orders
    const wrongRef: EntityValues<'fills'> = { ...fill.values, order_id: { ref: 'users', sourceKey: 'u' } }
    // Assignable to a batch's plain CanonicalRecord[].
    const batch: CanonicalRecord[] = [fill]
    expect(prepareRecords(batch, OPTIONS).rows.get('fills')).toHaveLength(1)
    expect([misspelt, upper, partial, wrongRef]).toHaveLength(4)
  })
})
