import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Scratch space for bench files and databases: `tooling/bench/.work/` (not committed). */
export const WORK_ROOT: string = fileURLToPath(new URL('../.work/', import.meta.url))

/** A fresh folder under {@link WORK_ROOT}; `cleanup()` removes it. */
export async function createWorkDir(prefix: string): Promise<{ path: string; cleanup(): Promise<void> }> {
  await mkdir(WORK_ROOT, { recursive: true })
  const path = await mkdtemp(join(WORK_ROOT, `${prefix}-`))
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) }
}
