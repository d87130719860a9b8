import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createTempDir } from '@ledgerport/test-kit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from './run-cli.js'

/** One bot's orders: `--bot NAME` gives each bot its own keys (and its own run scope). */
const FLEET_SOURCE = `export const source = {
  name: 'fleet',
  summary: 'one order per bot',
  options: { bot: { type: 'string', description: 'the bot', required: true } },
  create: (options) => ({
    discover: async () => [{ name: 'orders', entities: ['orders'] }],
    async *read() {
      yield {
        checkpoint: { done: true },
        records: [
          { entity: 'orders', sourceKey: options.bot + ':1', values: { symbol: 'TCS', side: 'buy', status: 'filled', price: '3900.00' } },
        ],
      }
    },
    close: async () => {},
  }),
}
`

describe('ledgerport rollback (CLI)', () => {
  let dir: { path: string; cleanup: () => Promise<void> }
  beforeEach(async () => {
    dir = await createTempDir()
  })
  afterEach(() => dir.cleanup())

  it('says which rows it kept because later runs still reference them', async () => {
    const target = `sqlite:${join(dir.path, 'ledgerport.db')}`
    const plugin = join(dir.path, 'fleet-source.mjs')
    await writeFile(plugin, FLEET_SOURCE)
    const run = async (bot: string): Promise<string> => {
      const result = await runCli(
        ['run', '--from', plugin, '--bot', bot, '--user-id', '7', '--to', target, '--yes', '--json'],
        { cwd: dir.path },
      )
      expect(result.code, result.stderr).toBe(0)
      return (JSON.parse(result.stdout) as { runId: string }).runId
    }
    const first = await run('a')
    const second = await run('b')
    const undone = await runCli(['rollback', first, '--to', target, '--yes'], { cwd: dir.path })
    expect(undone.code, undone.stderr).toBe(0)
    // The users row of --user-id 7 came with the first run; the second run's rows point at it.
    expect(undone.stdout).toContain(
      `note: Kept 1 users row(s) run ${first} inserted: rows of run(s) ${second} still reference them`,
    )
  })
})
