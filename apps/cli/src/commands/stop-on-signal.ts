import { EXIT_FAILED } from '../output/exit-code.js'
import type { Terminal } from '../output/terminal.js'

/** How long a command may take to stop after SIGINT/SIGTERM before the process exits anyway: 5 s. */
export const STOP_GRACE_MS = 5_000

/** A command's stop switch: aborted by the first SIGINT or SIGTERM. */
export interface SignalStop {
  /** Aborted when SIGINT or SIGTERM arrives. */
  readonly signal: AbortSignal
  /** Removes the signal handlers (call it in a `finally`). */
  dispose(): void
}

/**
 * Turns SIGINT/SIGTERM into an abort the command handles (it finishes the batch, marks the run,
 * closes its connections). A command that cannot stop — waiting on a server that does not answer —
 * still ends: after {@link STOP_GRACE_MS}, or at a second signal, the process exits 1 with a one-line
 * message. Without this, a handler would keep the signal from ending the process at all.
 */
export function stopOnSignal(terminal: Terminal, graceMs = STOP_GRACE_MS): SignalStop {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      terminal.err(terminal.style.red(`error: stopped by a second ${name} before the command could finish.`))
      process.exit(EXIT_FAILED)
    }
    controller.abort()
    timer = setTimeout(() => {
      terminal.err(
        terminal.style.red(
          `error: stopped by ${name}: the command did not finish within ${graceMs / 1000} s (a database that does not answer?); exiting. The next run continues from the last commit.`,
        ),
      )
      process.exit(EXIT_FAILED)
    }, graceMs)
    // The process may end on its own before the grace period: the timer must not keep it alive.
    timer.unref()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}
