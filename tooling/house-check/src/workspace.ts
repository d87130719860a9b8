import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The monorepo's root folder. */
export const WORKSPACE_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/** The dependency fields of a package.json that matter here. */
export type DependencyField = 'dependencies' | 'peerDependencies' | 'optionalDependencies' | 'devDependencies'

/** What this check reads of a package.json. */
export interface Manifest {
  readonly name?: string
  readonly version?: string
  readonly private?: boolean
  readonly files?: ReadonlyArray<string>
  readonly bin?: string | Readonly<Record<string, string>>
  readonly dependencies?: Readonly<Record<string, string>>
  readonly peerDependencies?: Readonly<Record<string, string>>
  readonly optionalDependencies?: Readonly<Record<string, string>>
  readonly devDependencies?: Readonly<Record<string, string>>
}

/** One workspace package. */
export interface WorkspacePackage {
  readonly name: string
  /** Its folder, absolute. */
  readonly dir: string
  /** Its folder relative to the workspace root (`packages/core`), for messages. */
  readonly path: string
  readonly manifest: Manifest
}

/** `@ledgerport/…` */
export const isLedgerportName = (name: string): boolean => name.startsWith('@ledgerport/')

/**
 * The packages found one level below each of `folders` (default: every folder `pnpm-workspace.yaml`
 * lists: `apps`, `packages`, `tooling`), in path order. A folder without a package.json (a package
 * being moved) is skipped.
 */
export function readWorkspacePackages(
  folders: ReadonlyArray<string> = ['apps', 'packages', 'tooling'],
  root: string = WORKSPACE_ROOT,
): WorkspacePackage[] {
  const packages: WorkspacePackage[] = []
  for (const folder of folders) {
    const parent = join(root, folder)
    if (!existsSync(parent)) continue
    for (const entry of readdirSync(parent, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (!entry.isDirectory()) continue
      const dir = join(parent, entry.name)
      const file = join(dir, 'package.json')
      if (!existsSync(file)) continue
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest
      if (!manifest.name) throw new Error(`${relative(root, file)} has no name.`)
      packages.push({ name: manifest.name, dir, path: relative(root, dir), manifest })
    }
  }
  return packages
}

/** The `@ledgerport/*` names a package's `fields` list. */
export function ledgerportDependencies(
  manifest: Manifest,
  fields: ReadonlyArray<DependencyField> = ['dependencies', 'peerDependencies'],
): string[] {
  const names = new Set<string>()
  for (const field of fields) {
    for (const name of Object.keys(manifest[field] ?? {})) if (isLedgerportName(name)) names.add(name)
  }
  return [...names].sort()
}

/**
 * The workspace packages `roots` need at run time: the roots plus, transitively, every `@ledgerport/*`
 * package their `dependencies` and `peerDependencies` name. Computed from the package.json files as they
 * are now, since packages are moving. Throws when a name is not a workspace package.
 */
export function runtimeClosure(
  packages: ReadonlyArray<WorkspacePackage>,
  roots: ReadonlyArray<string>,
): WorkspacePackage[] {
  const byName = new Map(packages.map((p) => [p.name, p]))
  const seen = new Map<string, WorkspacePackage>()
  const queue: Array<{ name: string; from?: string }> = roots.map((name) => ({ name }))
  while (queue.length > 0) {
    const { name, from } = queue.shift()!
    if (seen.has(name)) continue
    const pkg = byName.get(name)
    if (!pkg) {
      throw new Error(
        `${name}${from ? ` (a dependency of ${from})` : ''} is not a package of the workspace (${packages
          .map((p) => p.name)
          .join(', ')}).`,
      )
    }
    seen.set(name, pkg)
    for (const dep of ledgerportDependencies(pkg.manifest)) queue.push({ name: dep, from: name })
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name))
}

/**
 * The cycles of a directed graph: one cycle (`a → b → a`) per strongly connected component with more
 * than one node, or a node that points to itself. Nodes and cycles are reported in a stable order.
 */
export function findCycles(graph: ReadonlyMap<string, ReadonlyArray<string>>): string[][] {
  // Tarjan's strongly connected components, iteratively deep-first.
  let counter = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const components: string[][] = []
  const edges = (node: string): ReadonlyArray<string> => (graph.get(node) ?? []).filter((n) => graph.has(n))

  const strongConnect = (start: string): void => {
    const work: Array<{ node: string; next: number }> = [{ node: start, next: 0 }]
    index.set(start, counter)
    low.set(start, counter++)
    stack.push(start)
    onStack.add(start)
    while (work.length > 0) {
      const frame = work[work.length - 1]!
      const out = edges(frame.node)
      if (frame.next < out.length) {
        const to = out[frame.next++]!
        if (!index.has(to)) {
          index.set(to, counter)
          low.set(to, counter++)
          stack.push(to)
          onStack.add(to)
          work.push({ node: to, next: 0 })
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!))
        }
        continue
      }
      work.pop()
      const parent = work[work.length - 1]
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!))
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = []
        let node: string
        do {
          node = stack.pop()!
          onStack.delete(node)
          component.push(node)
        } while (node !== frame.node)
        components.push(component)
      }
    }
  }

  const nodes = [...graph.keys()].sort()
  for (const node of nodes) if (!index.has(node)) strongConnect(node)

  const cycles: string[][] = []
  for (const component of components) {
    const members = new Set(component)
    const first = [...component].sort()[0]!
    if (component.length === 1 && !edges(first).includes(first)) continue
    cycles.push(cycleThrough(first, members, edges))
  }
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!))
}

/** A shortest path from `start` back to itself inside one strongly connected component. */
function cycleThrough(
  start: string,
  members: ReadonlySet<string>,
  edges: (node: string) => ReadonlyArray<string>,
): string[] {
  const previous = new Map<string, string>()
  const queue = [start]
  while (queue.length > 0) {
    const node = queue.shift()!
    for (const to of [...edges(node)].sort()) {
      if (!members.has(to)) continue
      if (to === start) {
        const path = [start]
        for (let at = node; at !== start; at = previous.get(at)!) path.splice(1, 0, at)
        return [...path, start]
      }
      if (!previous.has(to)) {
        previous.set(to, node)
        queue.push(to)
      }
    }
  }
  return [start, start]
}
