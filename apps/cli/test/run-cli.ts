import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The built `ledgerport` bin. Tests run what users run. */
export const CLI_BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

/** What a finished CLI process printed and how it exited. */
export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `ledgerport ...args` in `cwd` without a TTY and waits for it. */
export function runCli(
  args: ReadonlyArray<string>,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return collectCli(startCli(args, options))
}

/** Waits for a started CLI process to close and collects what it printed. */
export function collectCli(child: ReturnType<typeof startCli>): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr!.on('data', (chunk) => {
    stderr += chunk
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Starts `ledgerport ...args` and returns the child process. */
export function startCli(
  args: ReadonlyArray<string>,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ChildProcess {
  return spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Options of {@link killAtRandomPoints}. */
export interface KillAtRandomPointsOptions {
  /** The `ledgerport` command line to start each time. */
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  /** How many times to start (and, when it is still running, SIGKILL) the command. */
  readonly attempts: number
  /** How far the work has got (rows in the target); polled while the child runs. */
  readonly progress: () => Promise<number>
  /** Where the work ends, to spread the kill points over what is left. */
  readonly total: number
  /** Rows the child must add before it can be killed. */
  readonly minStep: number
  /** Poll interval in ms. Default is 20. */
  readonly pollMs?: number
}

/**
 * Starts a command again and again and SIGKILLs it at a random point of its progress each time
 * (a resume test's crashes). Returns how many runs were killed before they finished.
 */
export async function killAtRandomPoints(options: KillAtRandomPointsOptions): Promise<number> {
  let kills = 0
  for (let attempt = 0; attempt < options.attempts; attempt++) {
    const before = await options.progress()
    const threshold =
      before + options.minStep + Math.floor(Math.random() * Math.max(1, (options.total - before) / 3))
    const child = startCli(options.args, { cwd: options.cwd })
    const exited = new Promise((resolve) => child.on('exit', resolve))
    while (child.exitCode === null && (await options.progress()) < threshold) {
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 20))
    }
    if (child.exitCode === null) {
      child.kill('SIGKILL')
      kills++
    }
    await exited
  }
  return kills
}
