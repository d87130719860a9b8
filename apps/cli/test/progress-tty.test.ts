import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { createTempDir } from '@ledgerport/test-kit'
import { describe, expect, it } from 'vitest'
import { CLI_BIN } from './run-cli.js'

/** The escape sequence that clears the terminal line before each redraw. */
const CLEAR_LINE = `${String.fromCharCode(27)}[2K`

/** `script` from util-linux runs a command under a pseudo-terminal, so stderr is a TTY. */
const hasScript = spawnSync('script', ['--version']).status === 0

describe('the progress line on a terminal', () => {
  it.skipIf(!hasScript)(
    'counts records on both sides: the source count is shown as source rows, never as a total the count overruns',
    async () => {
      const temp = await createTempDir()
      try {
        const url = `sqlite:${join(temp.path, 'p.db')}`
        const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI_BIN)} run --from synthetic --trades 20000 --batch-size 2000 --yes --to ${url}`
        const screen = execFileSync('script', ['-qfec', command, '/dev/null'], {
          cwd: temp.path,
          env: { ...process.env, NO_COLOR: '1' },
          encoding: 'utf8',
        })
        const lines = screen
          .split(/\r|\n/)
          .map((line) => line.replace(CLEAR_LINE, ''))
          .filter((line) => line.startsWith('trading ') && line.includes('records read'))
        expect(lines.length).toBeGreaterThan(5)
        for (const line of lines) {
          expect(line).toMatch(
            /^trading [|/\\-] \d+ records read( \(source: 20000 rows\))?(, \d+ records\/s)?$/,
          )
          // No `read/total` pair in different units (the old bar reached 480000/100000).
          expect(line).not.toMatch(/\d+\/\d+/)
        }
        const counts = lines.map((line) => Number(/ (\d+) records read/.exec(line)![1]))
        expect(counts).toEqual([...counts].sort((a, b) => a - b))
        // The summary follows a cleared line.
        expect(screen).toContain(`${CLEAR_LINE}run run_`)
        expect(screen).toMatch(/trading\s+\d+\s+\d+/)
      } finally {
        await temp.cleanup()
      }
    },
  )
})
