import { createBybitV2Sqlite } from '@ledgerport/test-kit'
import { it } from 'vitest'
import { source } from './index.js'

it('prints', async () => {
  const path = '/tmp/bybit-scratch/v2.db'
  await import('node:fs/promises').then((fs) => fs.rm(path, { force: true }))
  console.log(createBybitV2Sqlite(path, { trades: 3 }))
  const warnings: string[] = []
  const s = await source.create({ sourceUrl: `sqlite:${path}` }, { timezone: 'UTC', batchSize: 100, cwd: '.', warn: (m) => warnings.push(m) })
  for (const stream of await s.discover()) {
    for await (const batch of s.read(stream)) {
      for (const r of batch.records) console.log(stream.name, JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)))
      for (const r of batch.rejects ?? []) console.log('REJECT', JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)))
      for (const r of batch.duplicates ?? []) console.log('DUP', JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)))
    }
  }
  console.log(warnings.join('\n'))
  await s.close()
})
