import type { Terminal } from './terminal.js'

/**
 * Prints a result set as the `--json` document every data command shares:
 * `{ command, ok, ...context, ...result, error }`, with `error` as its message (or null).
 */
export function printResultJson(
  terminal: Terminal,
  command: string,
  result: { readonly error?: Error | undefined },
  context: Readonly<Record<string, unknown>> = {},
): void {
  terminal.out(
    JSON.stringify(
      { command, ok: !result.error, ...context, ...result, error: result.error?.message ?? null },
      null,
      2,
    ),
  )
}
