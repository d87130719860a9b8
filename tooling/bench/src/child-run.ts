import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { ChildResult, ChildRun } from './run-child.js'

const exec = promisify(execFile)
const CHILD = fileURLToPath(new URL('./run-child.js', import.meta.url))

/** Runs one `ledgerport run` in a child process and returns what it measured. */
export async function runInChild(job: ChildRun): Promise<ChildResult> {
  const { stdout } = await exec(process.execPath, [CHILD, JSON.stringify(job)], { maxBuffer: 1 << 20 })
  return JSON.parse(stdout) as ChildResult
}
