import { isAbsolute, resolve } from 'node:path'
import type { SourcePlugin } from './source-plugin.js'
import type { TargetPlugin } from './target-plugin.js'

/** Imports a module by specifier; a CLI passes its own `import` so the plugins it ships resolve from it. */
export type ModuleImporter = (specifier: string) => Promise<unknown>

/** Options of {@link loadSourcePlugin} and {@link loadTargetPlugin}. */
export interface LoadPluginOptions {
  /** Where user paths and user packages resolve from. Default is `process.cwd()`. */
  readonly cwd?: string
  /** Imports installed packages. Default is jiti from `cwd`. */
  readonly importer?: ModuleImporter
  /**
   * The package a short name stands for (`json-files` → `@ledgerport/source-json-files`); the CLI
   * knows its built-in names, core does not. Default is the specifier itself.
   */
  readonly packageName?: string
}

/**
 * Loads a source plugin: a package name (`@acme/ledgerport-source-x`), or a path to a module
 * (`./my-source.ts`), which must export `source`.
 *
 * ```ts
 * const plugin = await loadSourcePlugin('./plugins/broker-source.ts')
 * const source = await plugin.create(options, context)
 * ```
 */
export async function loadSourcePlugin(
  specifier: string,
  options: LoadPluginOptions = {},
): Promise<SourcePlugin<any>> {
  const module = await importPlugin(specifier, options.packageName ?? specifier, options)
  const plugin = (module as { source?: SourcePlugin<any> }).source
  if (!plugin || typeof plugin.create !== 'function' || typeof plugin.name !== 'string') {
    throw new Error(
      `${specifier} does not export a source plugin: export \`const source: SourcePlugin = { name, summary, options, create }\`.`,
    )
  }
  return plugin
}

/**
 * Loads the target plugin for a URL: the first of `candidates` whose `accepts(url)` is true, or the
 * one module given as `plugin` (a package name or a path, which must export `target`).
 *
 * ```ts
 * const plugin = await loadTargetPlugin('postgres://localhost/trading', {
 *   candidates: ['@ledgerport/target-postgres'],
 * })
 * ```
 */
export async function loadTargetPlugin(
  url: string,
  options: LoadPluginOptions & { plugin?: string; candidates?: ReadonlyArray<string> } = {},
): Promise<TargetPlugin<any>> {
  const candidates = options.plugin ? [options.plugin] : (options.candidates ?? [])
  const missing: string[] = []
  for (const candidate of candidates) {
    let module: unknown
    try {
      module = await importPlugin(candidate, candidate, options)
    } catch (error) {
      if (options.plugin || !(error instanceof PluginNotFoundError)) throw error
      missing.push(candidate)
      continue
    }
    const plugin = (module as { target?: TargetPlugin<any> }).target
    if (!plugin || typeof plugin.create !== 'function')
      throw new Error(`${candidate} does not export a target plugin.`)
    if (options.plugin || plugin.accepts(url)) return plugin
  }
  throw new Error(
    missing.length
      ? `No installed target serves this URL (not installed: ${missing.join(', ')}). Install the one for your database, e.g. npm i ${missing[0]}.`
      : 'No target serves this URL. Use postgres://…, sqlite:PATH, file:PATH, libsql://… or https://….',
  )
}

/** A plugin package or file could not be found (as opposed to one that failed while loading). */
export class PluginNotFoundError extends Error {
  /** The package or path that was asked for. */
  readonly moduleName: string

  constructor(message: string, moduleName: string) {
    super(message)
    this.name = 'PluginNotFoundError'
    this.moduleName = moduleName
  }
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
  const errors: unknown[] = []
  if (options.importer) {
    try {
      return await options.importer(moduleName)
    } catch (error) {
      errors.push(error)
    }
  }
  try {
    return await jiti.import(moduleName)
  } catch (error) {
    errors.push(error)
  }
  const notFound = errors.every((error) => isNotFound(error, moduleName))
  const detail = errors.find((error) => !isNotFound(error, moduleName)) as Error | undefined
  if (notFound)
    throw new PluginNotFoundError(
      `Could not load plugin ${specifier}: install ${moduleName} (npm i ${moduleName}) or give a path.`,
      moduleName,
    )
  throw new Error(`Could not load plugin ${specifier} (${moduleName}): ${detail?.message ?? ''}`.trim(), {
    cause: detail,
  })
}

function isNotFound(error: unknown, moduleName: string): boolean {
  const code = (error as { code?: string } | undefined)?.code
  const message = String((error as Error | undefined)?.message ?? '')
  return (
    (code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'MODULE_NOT_FOUND' ||
      /Cannot find (module|package)/.test(message)) &&
    message.includes(moduleName)
  )
}
