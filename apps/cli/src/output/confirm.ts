import { createInterface } from 'node:readline/promises'
import { UsageError } from './exit-code.js'
import type { Terminal } from './terminal.js'

/**
 * Asks before a destructive step. `--yes` skips the question; without a TTY, `--yes` is required
 * (a usage error otherwise), so scripts never hang on a prompt.
 */
export async function confirm(
  terminal: Terminal,
  question: string,
  yes: boolean | undefined,
): Promise<boolean> {
  if (yes) return true
  if (!terminal.interactive)
    throw new UsageError(`${question} Pass --yes to confirm when not running in a terminal.`)
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim())
  } finally {
    rl.close()
  }
}
