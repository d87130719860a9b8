import { resolve } from 'node:path'
import {
  type LoadedConfig,
  loadConfig,
  loadSourcePlugin,
  loadTargetPlugin,
  type SourcePlugin,
  type TargetPlugin,
} from '@ledgerport/core'
import {
  BUILT_IN_SOURCES,
  BUILT_IN_TARGETS,
  builtInSourcePackage,
  syntheticSourceModule,
} from './built-in-plugins.js'
import { importPackage } from './optional-package.js'
import { UsageError } from './output/exit-code.js'

const importer = (specifier: string) => importPackage(specifier)

/** The config of a data command: `--config FILE`, else `./ledgerport.config.ts` if present, else none. */
export async function loadDataConfig(file: string | undefined): Promise<LoadedConfig> {
  try {
    return await loadConfig(process.cwd(), file)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

/**
 * Loads `--from`: a source the config's `plugins.sources` names, else a built-in name, a package or a path.
 *
 * One name per plugin: a source the config names is called by its config key everywhere (`--from`,
 * `ledgerport plugins`, the `source` column of the rows it writes, `rollback --source`, `runs --source`),
 * whatever `name` the plugin module gives itself. A bare name that is neither configured nor built in
 * is a usage error that suggests the nearest known name; only a scoped package (`@acme/…`), a
 * `ledgerport-source-*` package or a path is imported.
 */
export async function loadSource(from: string, loaded: LoadedConfig): Promise<SourcePlugin<any>> {
  const configured = loaded.config.plugins?.sources?.[from]
  if (configured) {
    const plugin = await loadSourcePlugin(specifierOf(loaded, configured), { importer, cwd: loaded.dir })
    return plugin.name === from ? plugin : renamed(plugin, from)
  }
  if (from === 'synthetic')
    return loadSourcePlugin(from, {
      importer: () => syntheticSourceModule(),
      packageName: '@ledgerport/core/testing',
    })
  const packageName = builtInSourcePackage(from)
  if (!packageName && !isImportable(from)) {
    // `--from broker-csv` for a plugin the config calls `broker`: say which name to use.
    for (const [key, specifier] of Object.entries(loaded.config.plugins?.sources ?? {})) {
      const plugin = await loadSourcePlugin(specifierOf(loaded, specifier), {
        importer,
        cwd: loaded.dir,
      }).catch(() => undefined)
      if (plugin?.name === from)
        throw new UsageError(
          `${from} is the module name of the source the config calls ${key} (${specifier}): use --from ${key}. A plugin the config names is called by its config key everywhere.`,
        )
    }
    throw unknownSource(from, loaded)
  }
  return loadSourcePlugin(from, { importer, ...(packageName ? { packageName } : {}) })
}

/** The plugin under another name; its own name stays readable as `pluginName`. */
function renamed(plugin: SourcePlugin<any>, name: string): SourcePlugin<any> {
  const copy = Object.create(plugin) as SourcePlugin<any>
  Object.defineProperty(copy, 'name', { value: name, enumerable: true })
  Object.defineProperty(copy, 'pluginName', { value: plugin.name, enumerable: false })
  return copy
}

/** The name a source module gives itself, when the config calls it something else. */
export function ownPluginName(plugin: SourcePlugin<any>): string {
  return (plugin as { pluginName?: string }).pluginName ?? plugin.name
}

/** A specifier that is imported as it is: a path, a scoped package, or `ledgerport-source-*`. */
function isImportable(specifier: string): boolean {
  return (
    /^(\.{1,2}[\\/]|[\\/]|[A-Za-z]:[\\/])/.test(specifier) ||
    /\.[cm]?[jt]s$/.test(specifier) ||
    /^@[^/]+\/[^/]+/.test(specifier) ||
    specifier.startsWith('ledgerport-source-')
  )
}

function unknownSource(from: string, loaded: LoadedConfig): UsageError {
  const known = ['synthetic', ...BUILT_IN_SOURCES, ...Object.keys(loaded.config.plugins?.sources ?? {})]
  const nearest = known
    .map((name) => ({ name, distance: editDistance(from.toLowerCase(), name.toLowerCase()) }))
    .filter(({ name, distance }) => distance <= Math.max(2, Math.floor(name.length / 3)))
    .sort((a, b) => a.distance - b.distance)[0]
  return new UsageError(
    `Unknown source ${from}.${nearest ? ` Did you mean ${nearest.name}?` : ''} Sources: ${known.join(', ')}` +
      ` (see \`ledgerport plugins\`). A plugin of your own is a path (./my-source.ts), a scoped package` +
      ` (@acme/ledgerport-source-x), a ledgerport-source-* package, or a name in the config's plugins.sources.`,
  )
}

/** Levenshtein distance of two short names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    previous = current
  }
  return previous[b.length]!
}

/** Loads the target plugin of a `--to` URL: the config's `plugins.targets` first, then the built-in ones. */
export async function loadTarget(url: string, loaded: LoadedConfig): Promise<TargetPlugin<any>> {
  for (const specifier of loaded.config.plugins?.targets ?? []) {
    const plugin = await loadTargetPlugin(url, {
      importer,
      cwd: loaded.dir,
      plugin: specifierOf(loaded, specifier),
    })
    if (plugin.accepts(url)) return plugin
  }
  return loadTargetPlugin(url, { importer, candidates: BUILT_IN_TARGETS })
}

/** A module specifier of the config: a path is relative to the config file, a package name stays. */
function specifierOf(loaded: LoadedConfig, specifier: string): string {
  return specifier.startsWith('.') ? resolve(loaded.dir, specifier) : specifier
}
