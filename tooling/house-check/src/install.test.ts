import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXPECTED_ROWS, MIGRATION_NAME, userProgram, writeBrokerData, writeMigrations } from './fixtures.js'
import {
  assertPostgresReachable,
  countRows,
  createSchema,
  dropSchema,
  HOUSE_CHECK_PG_URL,
  uniqueSchemaName,
} from './postgres.js'
import {
  createNpmProject,
  describeResult,
  findForbiddenDirs,
  installStats,
  packPackages,
  run,
  TSC,
  userEnv,
  whoRequires,
} from './scratch.js'
import { readWorkspacePackages, runtimeClosure, type WorkspacePackage } from './workspace.js'

// The install checks: each packs the packages a user would install (and, computed from their
// package.json files, every @ledgerport package those need) with `pnpm pack`, installs the tarballs
// into a fresh npm project in the system temp dir, and uses them there against PostgreSQL. They need
// built dist/ folders (CI runs `turbo run build` first) and the registry, for third-party dependencies.
// The two checks run one after the other (tests in a file run sequentially).

const TIMEOUT_MS = 300_000
const CANONICAL_TABLES = Object.keys(EXPECTED_ROWS)

let scratch: string
const schemas: string[] = []
let packages: WorkspacePackage[]

beforeAll(async () => {
  await assertPostgresReachable()
  packages = readWorkspacePackages()
  scratch = await mkdtemp(join(tmpdir(), 'ledgerport-house-check-'))
})

afterAll(async () => {
  const errors: unknown[] = []
  for (const schema of schemas) await dropSchema(schema).catch((error: unknown) => errors.push(error))
  // HOUSE_CHECK_KEEP=1 keeps the scratch projects to look into (the schemas are dropped regardless).
  if (scratch && process.env.HOUSE_CHECK_KEEP !== '1') await rm(scratch, { recursive: true, force: true })
  else if (scratch) console.log(`[house-check] kept ${scratch}`)
  if (errors.length > 0) throw new AggregateError(errors, 'Could not drop the scratch schemas.')
})

/** Packs the closure of `roots` and installs it plus `extra` into `scratch/label`; logs size and time. */
async function installAlone(label: string, roots: ReadonlyArray<string>, extra: ReadonlyArray<string>) {
  const started = performance.now()
  const closure = runtimeClosure(packages, roots)
  const dir = join(scratch, label)
  const tarballs = await packPackages(closure, join(dir, 'tarballs'))
  const project = join(dir, 'project')
  const { init, install } = await createNpmProject(project, [...tarballs, ...extra])
  expect(init.code, describeResult(init)).toBe(0)
  expect(install.code, `npm install of the packed tarballs failed:\n${describeResult(install)}`).toBe(0)
  // Every package resolves from the scratch project's own node_modules, never from the workspace.
  const resolved = await run(
    process.execPath,
    [
      '-e',
      `for (const name of ${JSON.stringify(closure.map((p) => p.name))}) console.log(require.resolve(name + '/package.json'))`,
    ],
    { cwd: project, env: userEnv() },
  )
  expect(resolved.code, describeResult(resolved)).toBe(0)
  for (const path of resolved.stdout.trim().split('\n'))
    expect(path, 'resolved outside the scratch project').toContain(join(project, 'node_modules'))
  const stats = await installStats(project)
  console.log(
    `[house-check ${label}] closure: ${closure.map((p) => p.name).join(', ')}; + ${extra.join(' ') || 'nothing'}\n` +
      `[house-check ${label}] installed ${stats.packages} packages, node_modules ${(stats.kilobytes / 1024).toFixed(1)} MB ` +
      `(npm install ${(install.ms / 1000).toFixed(1)} s, pack + install ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  )
  return { dir, project, closure }
}

/** No better-sqlite3, libsql or mongodb anywhere in the scratch tree; the message says who pulled each in. */
function expectNoDrivers(dir: string, project: string): void {
  const found = findForbiddenDirs(dir)
  const explained = found.map((path) => {
    const who = whoRequires(project, path.replace(/^project\//, ''))
    return `${path}${who.length > 0 ? ` ← ${who.join('; ')}` : ''}`
  })
  expect
    .soft(explained, `Drivers the user did not ask for were installed:\n  ${explained.join('\n  ')}\n`)
    .toEqual([])
}

describe('installs alone', () => {
  it(
    'core + source-turso + target-turso: the Freqtrade mapping without better-sqlite3, and the plugins load',
    async () => {
      const { dir, project } = await installAlone(
        'turso',
        ['@ledgerport/core', '@ledgerport/source-turso', '@ledgerport/target-turso'],
        [],
      )
      // libSQL is this team's driver; better-sqlite3 and mongodb are not.
      const unwanted = findForbiddenDirs(dir).filter((path) => !path.includes('libsql'))
      expect(unwanted, 'installing source-turso pulled in another driver').toEqual([])
      const loaded = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "const s = await import('@ledgerport/source-turso'); const t = await import('@ledgerport/target-turso'); console.log(s.source.name, t.target.accepts('libsql://bot.turso.io'))",
        ],
        { cwd: project, env: userEnv() },
      )
      expect(loaded.code, describeResult(loaded)).toBe(0)
      expect(loaded.stdout.trim()).toBe('turso true')
    },
    TIMEOUT_MS,
  )

  it(
    'core + target-postgres + source-json-files: no other driver, type-checks strictly, migrates and loads rows',
    async () => {
      const { dir, project } = await installAlone(
        'library',
        ['@ledgerport/core', '@ledgerport/target-postgres', '@ledgerport/source-json-files'],
        // The user installs the driver of their database themselves.
        ['pg'],
      )
      expectNoDrivers(dir, project)

      const schema = uniqueSchemaName('library')
      schemas.push(schema)
      await createSchema(schema)
      const migrations = await writeMigrations(project)
      const dataDir = await writeBrokerData(project)
      await writeFile(
        join(project, 'check.mts'),
        userProgram({
          url: HOUSE_CHECK_PG_URL,
          schema,
          migrations,
          dataDir,
          cwd: project,
          rejectsFile: join(project, 'rejects.jsonl'),
        }),
      )

      // Strict, with the packages' own .d.ts files checked too (no skipLibCheck).
      const compilerOptions = ['--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext']
      const check = await run(
        process.execPath,
        [TSC, ...compilerOptions, '--target', 'es2022', '--noEmit', 'check.mts'],
        { cwd: project, env: userEnv() },
      )
      expect
        .soft(check.code, `tsc --strict --noEmit (no skipLibCheck) failed:\n${describeResult(check)}`)
        .toBe(0)

      // Compile without checking (the check above reports type errors) and run it as the user would.
      const emit = await run(
        process.execPath,
        [TSC, ...compilerOptions, '--target', 'es2022', '--noCheck', 'check.mts'],
        { cwd: project, env: userEnv() },
      )
      expect(emit.code, describeResult(emit)).toBe(0)
      const program = await run(process.execPath, ['check.mjs'], { cwd: project, env: userEnv() })
      console.log(`[house-check library] node check.mjs: ${(program.ms / 1000).toFixed(1)} s`)
      expect(program.code, `The user program failed:\n${describeResult(program)}`).toBe(0)

      expect(await countRows(schema, ['house_check_notes'])).toEqual({ house_check_notes: 1 })
      expect(await countRows(schema, ['ledgerport_migrations'], `name = '${MIGRATION_NAME}'`)).toEqual({
        ledgerport_migrations: 1,
      })
      expect(await countRows(schema, CANONICAL_TABLES, "source = 'json-files'")).toEqual(EXPECTED_ROWS)
    },
    TIMEOUT_MS,
  )

  it(
    'lean CLI (cli + core + target-postgres + source-json-files): --help, run --from json-files, and a missing plugin named',
    async () => {
      const { dir, project } = await installAlone(
        'cli',
        [
          '@ledgerport/cli',
          '@ledgerport/core',
          '@ledgerport/target-postgres',
          '@ledgerport/source-json-files',
        ],
        ['pg'],
      )
      expectNoDrivers(dir, project)
      const env = userEnv()
      // `npx --no -- ledgerport`: the installed bin, never a download of a package of that name (and
      // `--help` goes to ledgerport, not to npx).
      const ledgerport = (...args: string[]) =>
        run('npx', ['--no', '--', 'ledgerport', ...args], { cwd: project, env })

      const help = await ledgerport('--help')
      expect.soft(help.code, `ledgerport --help failed:\n${describeResult(help)}`).toBe(0)
      // ledgerport's own help (not npx's), listing the run command.
      expect.soft(help.stdout, describeResult(help)).toMatch(/^Usage: ledgerport\b/m)
      expect.soft(help.stdout, describeResult(help)).toMatch(/^\s+run\b/m)

      const dataDir = await writeBrokerData(project)
      // The target creates the schema (--schema: "created if missing").
      const schema = uniqueSchemaName('cli')
      schemas.push(schema)
      const started = performance.now()
      const runJson = await ledgerport(
        'run',
        '--from',
        'json-files',
        '--data-dir',
        dataDir,
        '--to',
        HOUSE_CHECK_PG_URL,
        '--schema',
        schema,
        '--timezone',
        'Asia/Kolkata',
        '--yes',
      )
      console.log(
        `[house-check cli] ledgerport run --from json-files: ${((performance.now() - started) / 1000).toFixed(1)} s`,
      )
      expect
        .soft(runJson.code, `ledgerport run --from json-files failed:\n${describeResult(runJson)}`)
        .toBe(0)
      expect
        .soft(await countRows(schema, CANONICAL_TABLES, "source = 'json-files'"), describeResult(runJson))
        .toEqual(EXPECTED_ROWS)

      // A built-in source that is not installed: a usage error (exit 2) that says what to install.
      const paperSchema = uniqueSchemaName('cli_paper')
      schemas.push(paperSchema)
      const missing = await ledgerport(
        'run',
        '--from',
        'paper-trading',
        '--data-dir',
        dataDir,
        '--to',
        HOUSE_CHECK_PG_URL,
        '--schema',
        paperSchema,
        '--yes',
      )
      expect
        .soft(
          `${missing.stdout}\n${missing.stderr}`,
          `ledgerport run --from paper-trading should name the package to install:\n${describeResult(missing)}`,
        )
        .toContain('@ledgerport/source-paper-trading')
      expect
        .soft(missing.code, `ledgerport run --from paper-trading should exit 2:\n${describeResult(missing)}`)
        .toBe(2)

      // A driver that is not installed: core names the package (a SQLite URL needs better-sqlite3).
      const noDriver = await ledgerport(
        'migrate',
        'list',
        '--url',
        'sqlite:./never.db',
        '--migrations',
        dataDir,
      )
      expect
        .soft(`${noDriver.stdout}\n${noDriver.stderr}`, describeResult(noDriver))
        .toContain('ledgerport needs the "better-sqlite3" package for sqlite: URLs: npm i better-sqlite3')
      expect.soft(noDriver.code, describeResult(noDriver)).not.toBe(0)

      // A target that is not installed: the SQLite target for sqlite: URLs is named.
      const noTarget = await ledgerport(
        'run',
        '--from',
        'json-files',
        '--data-dir',
        dataDir,
        '--to',
        'sqlite:./x.db',
        '--yes',
      )
      expect
        .soft(`${noTarget.stdout}\n${noTarget.stderr}`, describeResult(noTarget))
        .toContain('@ledgerport/target-sqlite')
      expect.soft(noTarget.code, describeResult(noTarget)).not.toBe(0)

      // replicate is its own package: the lean CLI says what to install.
      const noReplicate = await ledgerport(
        'replicate',
        '--from',
        HOUSE_CHECK_PG_URL,
        '--to',
        HOUSE_CHECK_PG_URL,
        '--yes',
      )
      expect
        .soft(`${noReplicate.stdout}\n${noReplicate.stderr}`, describeResult(noReplicate))
        .toContain('npm i @ledgerport/replicate')
      expect.soft(noReplicate.code, describeResult(noReplicate)).toBe(2)
    },
    TIMEOUT_MS,
  )
})
