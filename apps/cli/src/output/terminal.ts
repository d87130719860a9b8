/** Where the CLI writes, and how: colours only on a TTY without NO_COLOR. */
export interface Terminal {
  /** Writes a line to stdout. */
  out(line?: string): void
  /** Writes a line to stderr. */
  err(line?: string): void
  /** True when stdout is an interactive terminal. */
  readonly interactive: boolean
  /** Styles text, or returns it as is when colours are off. */
  readonly style: {
    bold(text: string): string
    dim(text: string): string
    red(text: string): string
    green(text: string): string
    yellow(text: string): string
  }
}

/** The process's terminal. */
export function processTerminal(): Terminal {
  const color = Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb'
  const wrap = (open: number, close: number) => (text: string) =>
    color ? `\u001b[${open}m${text}\u001b[${close}m` : text
  return {
    out: (line = '') => process.stdout.write(`${line}\n`),
    err: (line = '') => process.stderr.write(`${line}\n`),
    interactive: Boolean(process.stdout.isTTY && process.stdin.isTTY),
    style: {
      bold: wrap(1, 22),
      dim: wrap(2, 22),
      red: wrap(31, 39),
      green: wrap(32, 39),
      yellow: wrap(33, 39),
    },
  }
}
