import { isAbsolute, resolve } from 'node:path'
import type { SourcePlugin } from './source-plugin.js'
import type { TargetPlugin } from './target-plugin.js'

/** Imports a module by specifier; the CLI passes its own `import` so built-in plugins resolve from it. */
export type ModuleImporter = (specifier: string) => Promise<unknown>

/** Options of {@link loadSourcePlugin} and {@link loadTargetPlugin}. */
export interface LoadPluginOptions {
  /** Where user paths and user packages resolve from. Default is `process.cwd()`. */
  readonly cwd?: string
  /** Imports built-in and installed packages. Default is jiti from `cwd`. */
  readonly importer?: ModuleImporter
}

/** The built-in target packages, in the order `--to URL` is matched against them. */
export const BUILT_IN_TARGETS: ReadonlyArray<string> = [
  '@ledgerport/target-postgres',
  '@ledgerport/target-sqlite',
  '@ledgerport/target-turso',
]

/** The built-in source names (`--from NAME` → `@ledgerport/source-NAME`). */
export const BUILT_IN_SOURCES: ReadonlyArray<string> = [
  'bybit-v2',
  'json-files',
  'paper-trading',
  'mongo',
  'freqtrade-sqlite',
  'turso',
]

/**
 * Loads a source plugin: a built-in name (`json-files` → `@ledgerport/source-json-files`), a
 * package name (`@acme/ledgerport-source-x`), or a path to a module (`./my-source.ts`), which must
 * export `source`.
 */
export async function loadSourcePlugin(
  specifier: string,
  options: LoadPluginOptions = {},
): Promise<SourcePlugin<any>> {
  if (specifier === 'synthetic')
    return (await import('../testing/synthetic-source.js')).syntheticSource as SourcePlugin<any>
  const module = await importPlugin(
    specifier,
    BUILT_IN_SOURCES.includes(specifier) ? `@ledgerport/source-${specifier}` : specifier,
    options,
  )
  const plugin = (module as { source?: SourcePlugin<any> }).source
  if (!plugin || typeof plugin.create !== 'function' || typeof plugin.name !== 'string') {
    throw new Error(
      `${specifier} does not export a source plugin: export \`const source: SourcePlugin = { name, summary, options, create }\`.`,
    )
  }
  return plugin
}

/** Loads the target plugin for a URL (by `accepts(url)`), or a target module given by name or path. */
export async function loadTargetPlugin(
  url: string,
  options: LoadPluginOptions & { plugin?: string } = {},
): Promise<TargetPlugin<any>> {
  const candidates = options.plugin ? [options.plugin] : BUILT_IN_TARGETS
  for (const candidate of candidates) {
    const module = await importPlugin(candidate, candidate, options)
    const plugin = (module as { target?: TargetPlugin<any> }).target
    if (!plugin || typeof plugin.create !== 'function')
      throw new Error(`${candidate} does not export a target plugin.`)
    if (options.plugin || plugin.accepts(url)) return plugin
  }
  throw new Error(
    `No target serves this URL. Use postgres://…, sqlite:PATH, file:PATH, libsql://… or https://….`,
  )
}

async function importPlugin(
  specifier: string,
  moduleName: string,
  options: LoadPluginOptions,
): Promise<unknown> {
  const cwd = options.cwd ?? process.cwd()
  const isPath = /^(\.{1,2}[\\/]|[\\/]|[A-Za-z]:[\\/])/.test(specifier) || /\.[cm]?[jt]s$/.test(specifier)
  const { createJiti } = await import('jiti')
  const jiti = createJiti(resolve(cwd, 'package.json'), { moduleCache: true })
  if (isPath) return jiti.import(isAbsolute(specifier) ? specifier : resolve(cwd, specifier))
  const errors: string[] = []
  if (options.importer) {
    try {
      return await options.importer(moduleName)
    } catch (error) {
      errors.push((error as Error).message)
    }
  }
  try {
    return await jiti.import(moduleName)
  } catch (error) {
    errors.push((error as Error).message)
  }
  throw new Error(
    `Could not load plugin ${specifier} (${moduleName}): install it (npm i ${moduleName}) or give a path. ${errors[0] ?? ''}`.trim(),
  )
}
