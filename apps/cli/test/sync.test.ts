import { join } from 'node:path'
import {
  backdateFiles,
  createPostgresDatabase,
  createTempDir,
  type ScratchDatabase,
  writeFreqtradeFleet,
} from '@ledgerport/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, startCli } from './run-cli.js'

describe('ledgerport sync (CLI)', () => {
  let dir: { path: string; cleanup(): Promise<void> }
  let database: ScratchDatabase
  let to: string
  let fleet: string
  const sync = (...args: string[]) =>
    runCli(['sync', '--from', 'freqtrade-sqlite', '--instances-dir', fleet, '--to', to, '--json', ...args], {
      cwd: dir.path,
    })
  const totals = (stdout: string) => JSON.parse(stdout).totals as Record<string, number>

  beforeAll(async () => {
    dir = await createTempDir('ledgerport-cli-sync-')
    database = await createPostgresDatabase('lp_cli_sync')
    to = database.url
    fleet = join(dir.path, 'bot-instances')
    const members = writeFreqtradeFleet(fleet, [
      { name: 'alpha', schema: 'current', trades: 8, walTrades: 2 },
      { name: 'bravo', schema: '2022.4', trades: 5, dryRun: true },
    ])
    // Files written in the last second are always read again; these have settled.
    for (const member of members) backdateFiles(member.path)
  })
  afterAll(async () => {
    await database.drop()
    await dir.cleanup()
  })

  it('copies the fleet once, then writes nothing; --full compares everything again', async () => {
    const first = await sync()
    expect(first.code, first.stderr).toBe(0)
    expect(totals(first.stdout).inserted).toBeGreaterThan(50)
    // --yes is accepted, as by run (scripts pass it to both).
    const second = await sync('--yes')
    expect(second.code, second.stderr).toBe(0)
    expect(totals(second.stdout)).toMatchObject({ read: 0, inserted: 0, updated: 0 })
    const full = await sync('--full')
    expect(full.code, full.stderr).toBe(0)
    expect(totals(full.stdout)).toMatchObject({ inserted: 0, updated: 0 })
    expect(totals(full.stdout).read).toBe(totals(first.stdout).read)
  })

  it('shows per bot the last successful sync, its lag and its last error', async () => {
    const ok = await runCli(['sync', 'status', '--to', to, '--json'], { cwd: dir.path })
    expect(ok.code, ok.stderr).toBe(0)
    const report = JSON.parse(ok.stdout)
    expect(report).toMatchObject({ command: 'sync status', ok: true })
    expect(report.bots.map((b: { bot: string; state: string }) => [b.bot, b.state])).toEqual([
      ['alpha', 'ok'],
      ['bravo', 'ok'],
    ])
    expect(report.bots[0].lagSeconds).toBeGreaterThanOrEqual(0)

    writeFreqtradeFleet(fleet, [{ name: 'zulu', corrupt: 'garbage' }])
    const failing = await sync()
    expect(failing.code).toBe(1)
    expect(failing.stdout).toContain(join(fleet, 'zulu', 'user_data', 'tradesv3.sqlite'))
    const status = await runCli(['sync', 'status', '--to', to, '--max-lag', '1h'], { cwd: dir.path })
    expect(status.code).toBe(1) // zulu never synced
    expect(status.stdout).toMatch(/alpha\s+ok/)
    expect(status.stdout).toMatch(/zulu\s+never .*not a SQLite database/)
  })

  it('repeats with --every and stops cleanly on SIGTERM', async () => {
    const child = startCli(
      [
        'sync',
        '--from',
        'freqtrade-sqlite',
        '--db',
        join(fleet, 'alpha', 'user_data', 'tradesv3.sqlite'),
        '--to',
        to,
        '--every',
        '200ms',
        '--json',
      ],
      { cwd: dir.path },
    )
    let stdout = ''
    child.stdout!.on('data', (chunk) => {
      stdout += chunk
      if ((stdout.match(/"runId"/g) ?? []).length >= 2) child.kill('SIGTERM')
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(0)
    expect((stdout.match(/"runId"/g) ?? []).length).toBeGreaterThanOrEqual(2)
  })

  it('needs --from to sync, and refuses a bad interval', async () => {
    expect((await runCli(['sync', '--to', to], { cwd: dir.path })).code).toBe(2)
    const bad = await runCli(
      ['sync', '--from', 'freqtrade-sqlite', '--db', 'x.sqlite', '--to', to, '--every', 'soon'],
      {
        cwd: dir.path,
      },
    )
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--every soon is not an interval/)
  })
})
