import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const run = promisify(execFile)

describe('the ledgerport bundle', () => {
  it('loads every built-in source and target from its own dependencies', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'plugins', '--json'])
    const listed = JSON.parse(stdout) as {
      sources: Array<{ name: string; installed: boolean }>
      targets: Array<{ name: string }>
    }
    expect(listed.sources.map((s) => [s.name, s.installed])).toEqual([
      ['synthetic', true],
      ['bybit-v2', true],
      ['json-files', true],
      ['paper-trading', true],
      ['mongo', true],
      ['freqtrade-sqlite', true],
      ['turso', true],
    ])
    expect(listed.targets.map((t) => t.name)).toEqual(['postgres', 'sqlite', 'turso'])
  })

  it('runs, replicates and verifies on the embedded SQLite default from a folder outside the workspace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ledgerport-bundle-'))
    try {
      const options = { cwd: dir }
      const ran = await run(
        process.execPath,
        [BIN, 'run', '--from', 'synthetic', '--trades', '20', '--yes', '--json'],
        options,
      )
      expect(JSON.parse(ran.stdout)).toMatchObject({ ok: true })
      const verified = await run(
        process.execPath,
        [BIN, 'verify', '--from', 'synthetic', '--trades', '20', '--json'],
        options,
      )
      expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true })
      const copy = await run(
        process.execPath,
        [BIN, 'replicate', '--from', 'sqlite:ledgerport.db', '--to', 'sqlite:copy.db', '--yes', '--json'],
        options,
      )
      expect(JSON.parse(copy.stdout)).toMatchObject({ ok: true })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
