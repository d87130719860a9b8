import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  displayPath,
  isTestFile,
  listSourceFiles,
  moduleReferences,
  packageNameOf,
  resolveRelative,
} from './imports.js'
import {
  type DependencyField,
  findCycles,
  ledgerportDependencies,
  readWorkspacePackages,
  WORKSPACE_ROOT,
  type WorkspacePackage,
} from './workspace.js'

/**
 * A plugin: a package named `@ledgerport/source-*` or `@ledgerport/target-*`, each of which a team
 * installs alone. `@ledgerport/source-kit` (any `-kit`) matches the pattern but is the library the
 * sources share, not a plugin: sources are meant to depend on it.
 */
export function isPlugin(name: string): boolean {
  return /^@ledgerport\/(source|target)-/.test(name) && !name.endsWith('-kit')
}

/** The folders `pnpm-workspace.yaml` lists (`apps/*` → `apps`). */
export function workspaceFolders(root: string = WORKSPACE_ROOT): string[] {
  const text = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')
  const block = /^packages:\s*\n((?:[ \t]+-.*\n?)+)/m.exec(text)?.[1] ?? ''
  const folders = [...block.matchAll(/-\s*['"]?([^'"\s*]+?)\/?\**['"]?\s*$/gm)].map((m) => m[1]!)
  if (folders.length === 0) throw new Error('pnpm-workspace.yaml lists no packages.')
  return folders
}

/** Every workspace package. */
export function workspacePackages(): WorkspacePackage[] {
  return readWorkspacePackages(workspaceFolders())
}

/**
 * `dependencies`, `peerDependencies` and `optionalDependencies` of a plugin that name another plugin.
 * `devDependencies` are not checked: source packages list target plugins there to run their
 * end-to-end tests against a real target, and that is allowed.
 */
export function pluginDependencyViolations(packages: ReadonlyArray<WorkspacePackage>): string[] {
  const fields: DependencyField[] = ['dependencies', 'peerDependencies', 'optionalDependencies']
  const violations: string[] = []
  for (const pkg of packages) {
    if (!isPlugin(pkg.name)) continue
    for (const field of fields) {
      for (const dep of ledgerportDependencies(pkg.manifest, [field])) {
        if (dep !== pkg.name && isPlugin(dep))
          violations.push(`${pkg.name} (${pkg.path}/package.json) ${field} names plugin ${dep}`)
      }
    }
  }
  return violations
}

/**
 * Imports of another plugin in a plugin's non-test files under `src/` (static `from`, `import()`,
 * `require()`, type-only ones included: they end up in the published `.d.ts`). Test files
 * (`*.test.ts`, anything in `test/`) are not scanned: they may import target plugins, for the
 * end-to-end tests the devDependencies above are for.
 */
export function pluginImportViolations(packages: ReadonlyArray<WorkspacePackage>): string[] {
  const violations: string[] = []
  for (const pkg of packages) {
    if (!isPlugin(pkg.name)) continue
    for (const file of listSourceFiles(join(pkg.dir, 'src'))) {
      if (isTestFile(displayPath(pkg.dir, file))) continue
      for (const ref of moduleReferences(file)) {
        const name = packageNameOf(ref.specifier)
        if (name && name !== pkg.name && isPlugin(name)) {
          violations.push(
            `${pkg.name}: ${displayPath(WORKSPACE_ROOT, file)}:${ref.line} ${ref.kind} '${ref.specifier}' (plugin ${name})`,
          )
        }
      }
    }
  }
  return violations
}

/**
 * Import cycles among the non-test files of each package's `src/`: relative static imports and
 * re-exports, and `require()`, with `./x.js` followed to `./x.ts`. Type-only imports (`import type`,
 * `export type … from`, `import('./x.js').T`) are erased from the JavaScript and cannot make a load-order
 * cycle, and `import('./x.js')` loads lazily, so neither is an edge.
 */
export function fileCycleViolations(packages: ReadonlyArray<WorkspacePackage>): string[] {
  const violations: string[] = []
  for (const pkg of packages) {
    const files = listSourceFiles(join(pkg.dir, 'src')).filter((f) => !isTestFile(displayPath(pkg.dir, f)))
    const inPackage = new Set(files)
    const graph = new Map<string, string[]>()
    for (const file of files) {
      const edges: string[] = []
      for (const ref of moduleReferences(file)) {
        if (ref.typeOnly || ref.kind === 'import()') continue
        const target = resolveRelative(file, ref.specifier)
        if (target && inPackage.has(target)) edges.push(target)
      }
      graph.set(file, edges)
    }
    for (const cycle of findCycles(graph)) {
      violations.push(`${pkg.name}: ${cycle.map((f) => displayPath(WORKSPACE_ROOT, f)).join(' → ')}`)
    }
  }
  return violations
}

/** Cycles among workspace packages through `dependencies` and `peerDependencies`. */
export function packageCycleViolations(packages: ReadonlyArray<WorkspacePackage>): string[] {
  const graph = new Map(packages.map((p) => [p.name, ledgerportDependencies(p.manifest)]))
  return findCycles(graph).map((cycle) => cycle.join(' → '))
}
