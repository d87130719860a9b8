import { describe, expect, it } from 'vitest'
import {
  fileCycleViolations,
  isPlugin,
  packageCycleViolations,
  pluginDependencyViolations,
  pluginImportViolations,
  workspacePackages,
} from './layout.js'

/** One violation per line, for failure messages. */
const listed = (title: string, violations: ReadonlyArray<string>): string =>
  `${title}:\n${violations.map((v) => `  - ${v}`).join('\n')}\n`

// The layout check: reads the workspace only (no network, no build), so it runs first and fast.
describe('workspace layout', () => {
  const packages = workspacePackages()
  // Only the folders the layout rules are about; tooling/ is private and holds no plugin.
  const published = packages.filter((p) => p.path.startsWith('packages/') || p.path.startsWith('apps/'))

  it('finds the plugins', () => {
    expect(published.filter((p) => isPlugin(p.name)).length).toBeGreaterThan(0)
  })

  // devDependencies are not checked: a source package may list target plugins there for its
  // end-to-end tests (see pluginDependencyViolations).
  it('no plugin depends on another plugin (dependencies, peerDependencies, optionalDependencies)', () => {
    const violations = pluginDependencyViolations(published)
    expect(violations, listed('A plugin must install alone, but', violations)).toEqual([])
  })

  // Test files (*.test.ts, test/) may import target plugins, for the same end-to-end tests; they are
  // not scanned (see pluginImportViolations).
  it("no plugin's non-test source under src/ imports another plugin", () => {
    const violations = pluginImportViolations(published)
    expect(violations, listed('Plugins import other plugins', violations)).toEqual([])
  })

  it("no import cycle among the non-test files of any package's src/", () => {
    const violations = fileCycleViolations(packages)
    expect(violations, listed('Import cycles', violations)).toEqual([])
  })

  it('no cycle among workspace packages (dependencies + peerDependencies)', () => {
    const violations = packageCycleViolations(packages)
    expect(violations, listed('Package cycles', violations)).toEqual([])
  })
})
