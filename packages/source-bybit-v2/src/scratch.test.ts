import { createBybitV2Postgres } from '@ledgerport/test-kit'
import { it } from 'vitest'
import { source } from './index.js'

it('prints', async () => {
  const fx = await createBybitV2Postgres({ trades: 3, schema: 'v2 bot' })
  try {
    const warnings: string[] = []
    const s = await source.create({ sourceUrl: fx.url, sourceSchema: 'v2 bot' }, { timezone: 'UTC', batchSize: 100, cwd: '.', warn: (m) => warnings.push(m) })
    for (const stream of await s.discover()) {
      for await (const batch of s.read(stream)) {
        for (const r of batch.records) console.log(stream.name, JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)))
        for (const r of batch.rejects ?? []) console.log('REJECT', JSON.stringify(r))
      }
    }
    console.log(warnings.join('\n'))
    await s.close()
  } finally { await fx.drop() }
})
