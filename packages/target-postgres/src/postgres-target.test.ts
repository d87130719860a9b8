import { describeTarget } from '@ledgerport/core/testing'
import { createPostgresDatabase, type ScratchDatabase } from '@ledgerport/test-kit'
import { target } from './postgres-target.js'

const context = { timezone: 'UTC', batchSize: 5000, cwd: process.cwd(), warn: () => {} }
let database: ScratchDatabase | undefined

describeTarget('postgres', {
  create: async () => {
    database = await createPostgresDatabase()
    return target.create(database.url, {}, context)
  },
  cleanup: () => database?.drop() ?? Promise.resolve(),
})

describeTarget('postgres (--schema trading)', {
  create: async () => {
    database = await createPostgresDatabase()
    return target.create(database.url, { schema: 'trading' }, context)
  },
  cleanup: () => database?.drop() ?? Promise.resolve(),
})
