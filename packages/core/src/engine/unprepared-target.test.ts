import { join } from 'node:path'
import { createTempDir } from '@ledgerport/test-kit'
import { describe, expect, it } from 'vitest'
import { connect } from '../db/connect.js'
import { createSyntheticSource } from '../testing/synthetic-source.js'
import { DataMigrator } from './data-migrator.js'
import { SqlTarget } from './sql-target.js'

describe('DataMigrator on a target that was not prepared', () => {
  it('returns an error that says to call target.prepare(), and writes nothing', async () => {
    const dir = await createTempDir()
    const target = new SqlTarget({ connection: await connect(`sqlite:${join(dir.path, 't.db')}`) })
    try {
      const result = await new DataMigrator({
        source: createSyntheticSource({ trades: 3 }),
        sourceName: 'synthetic',
        target,
      }).run()
      expect(result.error?.message).toContain('call `await target.prepare()` before')
      expect(result.error?.message).not.toContain('does not exist')
      const tables = await target.connection.db
        .selectFrom('sqlite_master')
        .select('name')
        .where('type', '=', 'table')
        .execute()
      expect(tables).toEqual([])
    } finally {
      await target.close()
      await dir.cleanup()
    }
  })
})
