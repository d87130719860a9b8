import { join } from 'node:path'
import type { SourceBatch, SourceRowDigest, StoredDigest } from '@ledgerport/core'
import { createTempDir, type FreqtradeDatabaseFixture, writeFreqtradeDatabase } from '@ledgerport/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyToLibsql, type LibsqlCopy, testContext, tursoOptions } from './test/support.js'
import { source } from './turso-source.js'

let dir: { path: string; cleanup(): Promise<void> }
let fixture: FreqtradeDatabaseFixture
let copy: LibsqlCopy
beforeAll(async () => {
  dir = await createTempDir('ledgerport-turso-digests-')
  fixture = writeFreqtradeDatabase(join(dir.path, 'bot.sqlite'), { schema: 'current', trades: 12, seed: 4 })
  copy = await copyToLibsql(fixture.path, 'libsql-http')
})
afterAll(async () => {
  await copy?.drop()
  await dir.cleanup()
})

/** Reads one stream in full; `stored` plays the engine's digest store. */
async function readStream(name: string, stored?: Map<string, StoredDigest>): Promise<SourceBatch[]> {
  const opened = await source.create(tursoOptions([copy], ['bot']), testContext({ batchSize: 5 }))
  try {
    const stream = (await opened.discover()).find((s) => s.name === name)!
    const batches: SourceBatch[] = []
    const options = stored
      ? {
          storedDigests: async (keys: ReadonlyArray<string>) =>
            new Map(keys.flatMap((k) => (stored.has(k) ? [[k, stored.get(k)!] as const] : []))),
        }
      : undefined
    for await (const batch of opened.read(stream, undefined, options)) batches.push(batch)
    return batches
  } finally {
    await opened.close()
  }
}

const digestsOf = (batches: ReadonlyArray<SourceBatch>): SourceRowDigest[] =>
  batches.flatMap((b) => b.digests ?? [])

describe.each(['bot/trades', 'bot/orders', 'bot/balances'])('row digests of %s', (name) => {
  it('are given for every row that mapped, and skip those rows when unchanged', async () => {
    const first = await readStream(name)
    const digests = digestsOf(first)
    const records = first.reduce((n, b) => n + b.records.length, 0)
    const rejected = new Set(first.flatMap((b) => (b.rejects ?? []).map((r) => r.location.key)))
    expect(digests.length).toBeGreaterThan(3)
    expect(digests.reduce((n, d) => n + d.records, 0)).toBe(records)
    // A rejected row has no digest: it is read, and rejected, again.
    for (const digest of digests) expect(rejected.has(`id=${digest.key}`)).toBe(false)

    const stored = new Map(digests.map((d) => [d.key, { digest: d.digest, records: d.records }]))
    const again = await readStream(name, stored)
    expect(again.flatMap((b) => b.records)).toEqual([])
    expect(again.reduce((n, b) => n + (b.skipped ?? 0), 0)).toBe(records)
    expect(again.flatMap((b) => b.rejects ?? []).length).toBe(rejected.size)
    expect(again.at(-1)?.checkpoint).toEqual(first.at(-1)?.checkpoint)
  })
})

it('maps again exactly the rows that changed (a trade, or the custom data merged into it)', async () => {
  const first = await readStream('bot/trades')
  const stored = new Map(digestsOf(first).map((d) => [d.key, { digest: d.digest, records: d.records }]))
  const withData = fixture.customData.find((d) => d.ftTradeId > 0 && stored.has(String(d.ftTradeId)))!
  const other = [...stored.keys()].find((key) => key !== String(withData.ftTradeId))!
  const client = copy.client()
  await client.execute({ sql: 'UPDATE trades SET max_rate = 99.5 WHERE id = ?', args: [Number(other)] })
  await client.execute({
    sql: "UPDATE trade_custom_data SET cd_value = 'changed' WHERE id = ?",
    args: [withData.id],
  })
  const again = await readStream('bot/trades', stored)
  expect(again.flatMap((b) => b.records.map((r) => r.sourceKey)).sort()).toEqual(
    [`bot:trade:${other}`, `bot:trade:${withData.ftTradeId}`].sort(),
  )
})
