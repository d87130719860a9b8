import { describeSource } from '@ledgerport/core/testing'
import { backdateFiles, createTempDir, writeFreqtradeFleet } from '@ledgerport/test-kit'
import { afterAll, beforeAll } from 'vitest'
import { source } from './freqtrade-source.js'
import { testContext } from './test/support.js'

let dir: { path: string; cleanup(): Promise<void> }

beforeAll(async () => {
  dir = await createTempDir('ledgerport-ft-conformance-')
  // Two current-schema bots: one with rows still only in its -wal, one dry-run without a -shm.
  const fleet = writeFreqtradeFleet(dir.path, [
    { name: 'alpha', schema: 'current', trades: 10, walTrades: 3 },
    { name: 'beta', schema: 'current', trades: 6, walTrades: 2, shm: false, dryRun: true },
  ])
  // Files written in the last second are always read again; these have settled.
  for (const bot of fleet) backdateFiles(bot.path)
})
afterAll(() => dir.cleanup())

describeSource('freqtrade-sqlite', {
  // Small batches, so that every stream has several checkpoints to resume from.
  create: async () =>
    source.create({ instancesDir: dir.path, busyTimeout: 5000 }, testContext({ batchSize: 7 })),
  streams: ['alpha', 'beta'].flatMap((bot) =>
    ['bot', 'trades', 'orders', 'balances'].map((s) => `${bot}/${s}`),
  ),
  timeZone: 'Asia/Kolkata',
})
