import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isTestFile, moduleReferences, packageNameOf, resolveRelative } from './imports.js'
import { isPlugin } from './layout.js'
import { findForbiddenDirs } from './scratch.js'
import { findCycles, runtimeClosure, type WorkspacePackage } from './workspace.js'

// The layout and install checks are only as good as these helpers: each is shown to find what it
// looks for on a tiny example.

describe('findCycles', () => {
  it('finds each cycle once, and no cycle in a DAG', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
      ['f', ['d']],
    ])
    expect(findCycles(graph)).toEqual([
      ['a', 'b', 'c', 'a'],
      ['e', 'e'],
    ])
    expect(
      findCycles(
        new Map([
          ['a', ['b', 'c']],
          ['b', ['c']],
          ['c', []],
        ]),
      ),
    ).toEqual([])
  })
})

describe('moduleReferences', () => {
  it('reads static, dynamic, require and type imports, and not strings or comments', () => {
    const text = [
      "import { a } from '@ledgerport/source-a'",
      "import type { B } from '@ledgerport/target-b'",
      "export * from './x.js'",
      "export type { Y } from './y.js'",
      "const c = await import('@ledgerport/source-c')",
      "const d = require('d')",
      "type E = import('pg').PoolClient",
      "// import { z } from 'commented-out'",
      'const s = "from \'not-an-import\'"',
      "import './side-effect.js'",
    ].join('\n')
    expect(
      moduleReferences('/x/file.ts', text).map((r) => [r.specifier, r.kind, r.line, r.typeOnly]),
    ).toEqual([
      ['@ledgerport/source-a', 'import', 1, false],
      ['@ledgerport/target-b', 'import type', 2, true],
      ['./x.js', 'export', 3, false],
      ['./y.js', 'export type', 4, true],
      ['@ledgerport/source-c', 'import()', 5, false],
      ['d', 'require', 6, false],
      ['pg', 'import()', 7, true],
      ['./side-effect.js', 'import', 10, false],
    ])
  })

  it('names packages', () => {
    expect(packageNameOf('@ledgerport/source-freqtrade-sqlite/reader')).toBe(
      '@ledgerport/source-freqtrade-sqlite',
    )
    expect(packageNameOf('kysely/helpers/postgres')).toBe('kysely')
    expect(packageNameOf('./x.js')).toBeUndefined()
    expect(packageNameOf('node:fs')).toBeUndefined()
  })
})

describe('resolveRelative', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'house-check-helpers-'))
    await mkdir(join(dir, 'sub'))
    await writeFile(join(dir, 'a.ts'), '')
    await writeFile(join(dir, 'sub', 'index.ts'), '')
    await writeFile(join(dir, 'm.mts'), '')
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('follows ./x.js to ./x.ts, folders to index.ts, .mjs to .mts', () => {
    const from = join(dir, 'from.ts')
    expect(resolveRelative(from, './a.js')).toBe(join(dir, 'a.ts'))
    expect(resolveRelative(from, './sub')).toBe(join(dir, 'sub', 'index.ts'))
    expect(resolveRelative(from, './m.mjs')).toBe(join(dir, 'm.mts'))
    expect(resolveRelative(from, './missing.js')).toBeUndefined()
    expect(resolveRelative(from, 'kysely')).toBeUndefined()
  })
})

describe('names', () => {
  it('tells plugins and test files', () => {
    expect(isPlugin('@ledgerport/source-json-files')).toBe(true)
    expect(isPlugin('@ledgerport/target-postgres')).toBe(true)
    expect(isPlugin('@ledgerport/source-kit')).toBe(false)
    expect(isPlugin('@ledgerport/core')).toBe(false)
    expect(isTestFile('src/end-to-end.test.ts')).toBe(true)
    expect(isTestFile('test/helpers.ts')).toBe(true)
    expect(isTestFile('src/test-support.ts')).toBe(false)
  })
})

describe('runtimeClosure', () => {
  const pkg = (name: string, manifest: Omit<WorkspacePackage['manifest'], 'name'>): WorkspacePackage => ({
    name,
    dir: `/ws/${name}`,
    path: name,
    manifest: { name, ...manifest },
  })
  const packages = [
    pkg('@ledgerport/core', { devDependencies: { '@ledgerport/test-kit': 'workspace:*' } }),
    pkg('@ledgerport/source-kit', { peerDependencies: { '@ledgerport/core': 'workspace:^' } }),
    pkg('@ledgerport/source-json-files', {
      dependencies: { '@ledgerport/source-kit': 'workspace:^', 'stream-json': 'catalog:' },
      peerDependencies: { '@ledgerport/core': 'workspace:^' },
      devDependencies: { '@ledgerport/target-sqlite': 'workspace:*' },
    }),
    pkg('@ledgerport/test-kit', {}),
    pkg('@ledgerport/target-sqlite', {}),
  ]

  it('follows dependencies and peerDependencies, not devDependencies', () => {
    expect(runtimeClosure(packages, ['@ledgerport/source-json-files']).map((p) => p.name)).toEqual([
      '@ledgerport/core',
      '@ledgerport/source-json-files',
      '@ledgerport/source-kit',
    ])
  })

  it('says which package names one that is not in the workspace', () => {
    expect(() =>
      runtimeClosure(
        [pkg('@ledgerport/a', { dependencies: { '@ledgerport/gone': '^1' } })],
        ['@ledgerport/a'],
      ),
    ).toThrow('@ledgerport/gone (a dependency of @ledgerport/a) is not a package of the workspace')
  })
})

describe('findForbiddenDirs', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'house-check-drivers-'))
    for (const path of [
      'project/node_modules/@ledgerport/core/dist/engines/libsql',
      'project/node_modules/kysely/dist',
      'project/node_modules/better-sqlite3/lib',
      'project/node_modules/@libsql/client',
      'project/node_modules/x/node_modules/mongodb',
      'project/node_modules/@neon-rs/libsql-linux-x64',
      'project/node_modules/mongodb-connection-string-url',
    ])
      await mkdir(join(dir, path), { recursive: true })
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('finds driver packages at any depth, not a folder inside a package that is merely named libsql', () => {
    expect(findForbiddenDirs(dir)).toEqual([
      'project/node_modules/@libsql',
      'project/node_modules/@neon-rs/libsql-linux-x64',
      'project/node_modules/better-sqlite3',
      'project/node_modules/x/node_modules/mongodb',
    ])
  })
})
