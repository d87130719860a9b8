import { join } from 'node:path'
import { describeSource } from '@ledgerport/core/testing'
import { createTempDir, writeFreqtradeDatabase } from '@ledgerport/test-kit'
import { afterAll, beforeAll } from 'vitest'
import { copyToLibsql, type LibsqlCopy, testContext, tursoOptions } from './test/support.js'
import { source } from './turso-source.js'

let dir: { path: string; cleanup(): Promise<void> }
let remote: LibsqlCopy
let file: LibsqlCopy

beforeAll(async () => {
  dir = await createTempDir('ledgerport-turso-conformance-')
  // One bot served over HTTP (or by the LIBSQL_URL server), one in a libSQL file.
  const alpha = writeFreqtradeDatabase(join(dir.path, 'alpha.sqlite'), { schema: 'current', trades: 10 })
  const beta = writeFreqtradeDatabase(join(dir.path, 'beta.sqlite'), {
    schema: 'current',
    trades: 6,
    seed: 2,
  })
  remote = await copyToLibsql(alpha.path, 'libsql-http')
  file = await copyToLibsql(beta.path, 'libsql')
})
afterAll(async () => {
  await remote?.drop()
  await file?.drop()
  await dir.cleanup()
})

describeSource('turso', {
  // Small batches, so that every stream has several checkpoints to resume from.
  create: async () =>
    source.create(tursoOptions([remote, file], ['alpha', 'beta']), testContext({ batchSize: 7 })),
  streams: ['alpha', 'beta'].flatMap((bot) =>
    ['bot', 'trades', 'orders', 'balances'].map((s) => `${bot}/${s}`),
  ),
  timeZone: 'Asia/Kolkata',
})
