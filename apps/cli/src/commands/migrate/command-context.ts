import type { Terminal } from '../../output/terminal.js'

/** What every command gets from `main`. */
export interface CommandContext {
  readonly terminal: Terminal
  readonly setExitCode: (code: number) => void
}
