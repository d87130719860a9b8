import { resolve } from 'node:path'
import {
  type LoadedConfig,
  loadConfig,
  loadSourcePlugin,
  loadTargetPlugin,
  type SourcePlugin,
  type TargetPlugin,
} from '@ledgerport/core'
import { BUILT_IN_TARGETS, builtInSourcePackage, syntheticSourceModule } from './built-in-plugins.js'
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

/** Loads `--from`: a source the config's `plugins.sources` names, else a built-in name, a package or a path. */
export function loadSource(from: string, loaded: LoadedConfig): Promise<SourcePlugin<any>> {
  const configured = loaded.config.plugins?.sources?.[from]
  if (configured) return loadSourcePlugin(specifierOf(loaded, configured), { importer, cwd: loaded.dir })
  if (from === 'synthetic')
    return loadSourcePlugin(from, {
      importer: () => syntheticSourceModule(),
      packageName: '@ledgerport/core/testing',
    })
  const packageName = builtInSourcePackage(from)
  return loadSourcePlugin(from, { importer, ...(packageName ? { packageName } : {}) })
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
