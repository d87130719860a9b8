import { join } from 'node:path'
import { describeTarget } from '@ledgerport/core/testing'
import { createTempDir } from '@ledgerport/test-kit'
import { target } from './sqlite-target.js'

let cleanup: (() => Promise<void>) | undefined

describeTarget('sqlite', {
  create: async () => {
    const dir = await createTempDir()
    cleanup = dir.cleanup
    return target.create(
      `sqlite:${join(dir.path, 'ledgerport.db')}`,
      {},
      { timezone: 'UTC', batchSize: 5000, cwd: dir.path, warn: () => {} },
    )
  },
  cleanup: () => cleanup?.() ?? Promise.resolve(),
})
