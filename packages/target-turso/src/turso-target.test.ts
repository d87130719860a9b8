import { describeTarget } from '@ledgerport/core/testing'
import { createScratchDatabase, type ScratchDatabase } from '@ledgerport/test-kit'
import { target } from './turso-target.js'

const context = { timezone: 'UTC', batchSize: 5000, cwd: process.cwd(), warn: () => {} }

for (const engine of ['libsql', 'libsql-http'] as const) {
  let database: ScratchDatabase | undefined
  describeTarget(`turso (${engine === 'libsql' ? 'file:' : 'Hrana over HTTP'})`, {
    create: async () => {
      database = await createScratchDatabase(engine)
      return target.create(database.url, {}, context)
    },
    cleanup: () => database?.drop() ?? Promise.resolve(),
  })
}
