import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from './run-cli.js'

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))
const VITEST = join(PACKAGE_DIR, 'node_modules', '.bin', 'vitest')

describe('ledgerport plugin new source NAME', () => {
  // Inside this package, so the generated plugin resolves @ledgerport/core and vitest as an installed one would.
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(PACKAGE_DIR, '.plugin-new-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('writes a source package whose describeSource test passes as written, and that loads by path', async () => {
    const folder = join(dir, 'ledgerport-source-broker-csv')
    const created = await runCli(['plugin', 'new', 'source', 'broker-csv', '--dir', folder], { cwd: dir })
    expect(created.code, created.stderr).toBe(0)
    expect(created.stdout).toContain('created ledgerport-source-broker-csv/package.json')
    for (const file of ['package.json', 'README.md', 'src/source.ts', 'src/source.test.ts'])
      expect(existsSync(join(folder, file)), file).toBe(true)

    const test = spawnSync(VITEST, ['run'], {
      cwd: folder,
      encoding: 'utf8',
      env: { ...process.env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
    })
    expect(test.status, test.stdout + test.stderr).toBe(0)
    expect(test.stdout).toMatch(/Tests\s+5 passed \(5\)/)

    const input = join(dir, 'orders.jsonl')
    await writeFile(
      input,
      [
        '{"id":"A-1","symbol":"TCS","side":"buy","status":"filled","price":"3900","quantity":"1","time":"2026-03-02 09:15:00"}',
        '{"id":"A-2","symbol":"TCS","side":"short","status":"filled"}',
      ].join('\n'),
    )
    const run = await runCli(
      [
        'run',
        '--from',
        join(folder, 'src', 'source.ts'),
        '--file',
        input,
        '--to',
        `sqlite:${join(dir, 't.db')}`,
        '--rejects',
        join(dir, 'rejects.jsonl'),
        '--yes',
        '--json',
      ],
      { cwd: dir },
    )
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({
      source: 'broker-csv',
      totals: { read: 2, inserted: 1, rejected: 1, naiveTimes: 1 },
    })
  })

  it('refuses a bad name, another kind and a folder that is not empty (exit 2)', async () => {
    const bad = await runCli(['plugin', 'new', 'source', 'Broker CSV', '--dir', join(dir, 'x')], { cwd: dir })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('"Broker CSV" is not a plugin name')
    const target = await runCli(['plugin', 'new', 'target', 'x'], { cwd: dir })
    expect(target.code).toBe(2)
    expect(target.stderr).toContain('only `plugin new source NAME` has a template')
    await writeFile(join(dir, 'keep.txt'), 'mine')
    const busy = await runCli(['plugin', 'new', 'source', 'x', '--dir', dir], { cwd: dir })
    expect(busy.code).toBe(2)
    expect(busy.stderr).toContain('is not empty')
    expect(existsSync(join(dir, 'src'))).toBe(false)
  })
})
