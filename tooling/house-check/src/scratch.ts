import { execFile } from 'node:child_process'
import { type Dirent, existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { basename, delimiter, dirname, join, relative } from 'node:path'
import { displayPath, isTestFile } from './imports.js'
import { WORKSPACE_ROOT, type WorkspacePackage } from './workspace.js'

/** What a command did. It never throws: a failing command is data for an assertion. */
export interface CommandResult {
  readonly command: string
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

/** The command, its exit code and its output, for failure messages. */
export function describeResult(result: CommandResult): string {
  const tail = (text: string): string => (text.length > 6000 ? `…${text.slice(-6000)}` : text)
  return `$ ${result.command}\nexit code ${result.code}\n--- stdout\n${tail(result.stdout)}\n--- stderr\n${tail(result.stderr)}`
}

/** Runs a command; resolves with its exit code and output. */
export function run(
  cmd: string,
  args: ReadonlyArray<string>,
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandResult> {
  const started = performance.now()
  const command = [cmd, ...args].map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' ')
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 240_000,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : error.killed ? 124 : 1
        resolve({ command, code, stdout, stderr, ms: Math.round(performance.now() - started) })
      },
    )
  })
}

/**
 * The environment for npm and the scratch project: this process's, without what pnpm and vitest put
 * there for the workspace, so npm and node behave as they do for a user: no `npm_*` / `pnpm_*`, no
 * `NODE_OPTIONS`, `INIT_CWD`, and no `NODE_PATH` (pnpm's bin shims point it into the workspace's
 * node_modules, where node would find every workspace package the scratch project lacks), and `PATH`
 * without the workspace's `node_modules/.bin` folders. npm's cache is one folder in the system temp
 * dir, shared by both install checks and by later runs (it only speeds up downloads; the scratch
 * projects themselves are removed).
 */
export function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_)/i.test(key) || ['NODE_OPTIONS', 'NODE_PATH', 'INIT_CWD'].includes(key)) continue
    env[key] = value
  }
  const pathKey = Object.keys(env).find((key) => key.toUpperCase() === 'PATH') ?? 'PATH'
  env[pathKey] = (env[pathKey] ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '' && !(dir.startsWith(WORKSPACE_ROOT) && dir.includes('node_modules')))
    .join(delimiter)
  env.npm_config_cache = NPM_CACHE
  env.npm_config_update_notifier = 'false'
  return env
}

/** npm's cache for the scratch projects. */
export const NPM_CACHE: string = join(tmpdir(), 'ledgerport-house-check-npm-cache')

/** How to run pnpm: the pnpm running this test when there is one, else the version `packageManager` pins, via npx. */
function pnpmCommand(): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } {
  const execPath = process.env.npm_execpath
  if (execPath && /pnpm/i.test(basename(execPath)) && existsSync(execPath)) {
    return /\.[cm]?js$/.test(execPath)
      ? { cmd: process.execPath, args: [execPath], env: process.env }
      : { cmd: execPath, args: [], env: process.env }
  }
  const manifest = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'package.json'), 'utf8')) as {
    packageManager?: string
  }
  const pnpm = manifest.packageManager?.split('+')[0] ?? 'pnpm@10'
  return { cmd: 'npx', args: ['--yes', pnpm], env: { ...process.env, COREPACK_INTEGRITY_KEYS: '0' } }
}

/**
 * Fails unless the package was built: the folders its `files` publish (and the files its `bin` names)
 * exist and are not empty. `pnpm pack` would otherwise pack a package without its code.
 */
export function assertBuilt(pkg: WorkspacePackage): void {
  const missing: string[] = []
  for (const entry of pkg.manifest.files ?? ['dist']) {
    if (/[*?]/.test(entry)) continue
    const path = join(pkg.dir, entry)
    if (!existsSync(path) || (entry === 'dist' && readdirSync(path).length === 0)) missing.push(entry)
  }
  const bins =
    typeof pkg.manifest.bin === 'string' ? [pkg.manifest.bin] : Object.values(pkg.manifest.bin ?? {})
  for (const bin of bins) if (!existsSync(join(pkg.dir, bin))) missing.push(bin)
  if (missing.length > 0) {
    throw new Error(
      `${pkg.name} (${pkg.path}) has no ${missing.join(', ')}: run pnpm build first (turbo run build, as CI does before the tests).`,
    )
  }
}

/** The newest modification time of the files under `dir` that `keep` accepts (0 when none). */
function newestMtime(dir: string, keep: (path: string) => boolean): number {
  let newest = 0
  const walk = (at: string): void => {
    let entries: Dirent[]
    try {
      entries = readdirSync(at, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = join(at, entry.name)
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(path)
      else if (entry.isFile() && keep(path)) newest = Math.max(newest, statSync(path).mtimeMs)
    }
  }
  walk(dir)
  return newest
}

/**
 * True when a non-test file of `src/` changed after the newest file of `dist/` was written: a hint
 * (not a failure) that the tarball will hold an older build than the sources.
 */
function isStale(pkg: WorkspacePackage): boolean {
  const src = newestMtime(join(pkg.dir, 'src'), (path) => !isTestFile(relative(pkg.dir, path)))
  const dist = newestMtime(join(pkg.dir, 'dist'), () => true)
  return dist > 0 && src > dist
}

/**
 * Packs each package with `pnpm pack` (which rewrites `workspace:` and `catalog:` ranges to real
 * versions) into `dest`; returns the tarballs' paths.
 */
export async function packPackages(
  packages: ReadonlyArray<WorkspacePackage>,
  dest: string,
): Promise<string[]> {
  for (const pkg of packages) assertBuilt(pkg)
  const stale = packages.filter(isStale).map((p) => p.name)
  if (stale.length > 0) {
    console.warn(
      `[house-check] dist is older than src in ${stale.join(', ')}: the tarballs hold that older build (pnpm build to refresh).`,
    )
  }
  await mkdir(dest, { recursive: true })
  const pnpm = pnpmCommand()
  const tarballs: string[] = []
  for (const pkg of packages) {
    const result = await run(pnpm.cmd, [...pnpm.args, 'pack', '--pack-destination', dest, '--json'], {
      cwd: pkg.dir,
      env: pnpm.env,
    })
    if (result.code !== 0) throw new Error(`pnpm pack failed for ${pkg.name}:\n${describeResult(result)}`)
    const json = result.stdout.slice(result.stdout.indexOf('{'))
    const filename = (JSON.parse(json) as { filename?: string }).filename
    if (!filename || !existsSync(filename))
      throw new Error(`pnpm pack for ${pkg.name} named no tarball:\n${describeResult(result)}`)
    tarballs.push(filename)
  }
  return tarballs
}

/** The workspace's TypeScript compiler (`typescript/bin/tsc`). */
export const TSC: string = join(
  dirname(createRequire(import.meta.url).resolve('typescript/package.json')),
  'bin',
  'tsc',
)

/**
 * A directory in `root` that holds a driver a package must not pull in: `node_modules/better-sqlite3`,
 * `node_modules/mongodb`, or a package or scope whose name contains `libsql` (`@libsql/…`, `libsql`,
 * `@neon-rs/…libsql…`). Only entries of a `node_modules` folder count as "a directory named …": core's
 * own `dist/engines/libsql/` folder is its code, not the driver.
 */
export function findForbiddenDirs(root: string): string[] {
  const found: string[] = []
  const walk = (dir: string, parentIsNodeModules: boolean, parentIsScope: boolean): void => {
    let entries: Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue
      const path = join(dir, entry.name)
      const packageLevel = parentIsNodeModules || parentIsScope
      const driverName =
        (parentIsNodeModules && (entry.name === 'better-sqlite3' || entry.name === 'mongodb')) ||
        entry.name.includes('libsql')
      if (packageLevel && driverName) found.push(displayPath(root, path))
      walk(path, entry.name === 'node_modules', parentIsNodeModules && entry.name.startsWith('@'))
    }
  }
  walk(root, false, false)
  return found.sort()
}

interface LockEntry {
  readonly version?: string
  readonly link?: boolean
  readonly dependencies?: Readonly<Record<string, string>>
  readonly optionalDependencies?: Readonly<Record<string, string>>
  readonly peerDependencies?: Readonly<Record<string, string>>
}

function readLock(project: string): Record<string, LockEntry> {
  const file = join(project, 'package-lock.json')
  if (!existsSync(file)) return {}
  return (JSON.parse(readFileSync(file, 'utf8')) as { packages?: Record<string, LockEntry> }).packages ?? {}
}

/** Who asked for the package at `node_modules/…/NAME`, from the scratch project's package-lock.json. */
export function whoRequires(project: string, path: string): string[] {
  const at = path.lastIndexOf('node_modules/')
  if (at < 0) return []
  const name = path.slice(at + 'node_modules/'.length)
  const lock = readLock(project)
  const requirers: string[] = []
  for (const [key, entry] of Object.entries(lock)) {
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies'] as const) {
      // A scope folder (`node_modules/@libsql`): whoever asks for any package of that scope.
      const names =
        name.startsWith('@') && !name.includes('/')
          ? Object.keys(entry[field] ?? {}).filter((n) => n.startsWith(`${name}/`))
          : [name]
      for (const dep of names) {
        const range = entry[field]?.[dep]
        if (range !== undefined)
          requirers.push(`${key === '' ? 'the project' : key} (${field} ${dep}@${range})`)
      }
    }
  }
  return requirers
}

/** Size and package count of a scratch project's `node_modules`. */
export interface InstallStats {
  /** `du -sk node_modules`. */
  readonly kilobytes: number
  /** Packages installed (package-lock.json entries under node_modules/, links excluded). */
  readonly packages: number
}

export async function installStats(project: string): Promise<InstallStats> {
  const du = await run('du', ['-sk', 'node_modules'], { cwd: project })
  const kilobytes = Number.parseInt(du.stdout, 10)
  const packages = Object.entries(readLock(project)).filter(
    ([key, entry]) => key.startsWith('node_modules/') && !entry.link,
  ).length
  return { kilobytes: Number.isFinite(kilobytes) ? kilobytes : -1, packages }
}

/** An npm project in `dir` with `specs` installed as a user would: `npm init -y`, `npm i SPECS`. */
export async function createNpmProject(
  dir: string,
  specs: ReadonlyArray<string>,
): Promise<{ init: CommandResult; install: CommandResult }> {
  await mkdir(dir, { recursive: true })
  const env = userEnv()
  const init = await run('npm', ['init', '-y'], { cwd: dir, env })
  if (init.code !== 0) return { init, install: init }
  const install = await run('npm', ['install', '--no-audit', '--no-fund', ...specs], {
    cwd: dir,
    env,
    timeoutMs: 280_000,
  })
  return { init, install }
}
