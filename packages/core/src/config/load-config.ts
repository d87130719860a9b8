import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { LedgerportConfig } from './define-config.js'

/** A config file, loaded. */
export interface LoadedConfig {
  /** The config (empty when there is no file). */
  readonly config: LedgerportConfig
  /** The file it came from. */
  readonly file?: string
  /** The folder relative paths in it are resolved against. */
  readonly dir: string
}

const CONFIG_FILES = [
  'ledgerport.config.ts',
  'ledgerport.config.mts',
  'ledgerport.config.js',
  'ledgerport.config.mjs',
  'ledgerport.config.json',
]

/**
 * Loads `ledgerport.config.{ts,mts,js,mjs,json}` from `cwd` (or the given file), the first that exists
 * in that order. TypeScript loads through jiti; a `.json` file is the config object itself. No file is
 * not an error: the config is then empty.
 */
export async function loadConfig(cwd: string = process.cwd(), file?: string): Promise<LoadedConfig> {
  const path = file
    ? resolve(cwd, file)
    : CONFIG_FILES.map((name) => resolve(cwd, name)).find((p) => existsSync(p))
  if (!path) return { config: {}, dir: cwd }
  if (!existsSync(path)) throw new Error(`Config file ${path} does not exist.`)
  if (path.endsWith('.json')) {
    let config: unknown
    try {
      config = JSON.parse(readFileSync(path, 'utf8'))
    } catch (error) {
      throw new Error(`Config file ${path} is not valid JSON: ${(error as Error).message}`)
    }
    if (!config || typeof config !== 'object' || Array.isArray(config))
      throw new Error(`Config file ${path} is not a JSON object. Write { "databases": { … } }.`)
    return { config: config as LedgerportConfig, file: path, dir: dirname(path) }
  }
  const { createJiti } = await import('jiti')
  const module = (await createJiti(import.meta.url, { moduleCache: false, fsCache: false }).import(path)) as {
    default?: LedgerportConfig
    config?: LedgerportConfig
  }
  const config = module.default ?? module.config
  if (!config || typeof config !== 'object') {
    throw new Error(`Config file ${path} exports no config. Write \`export default defineConfig({ … })\`.`)
  }
  return { config, file: path, dir: dirname(path) }
}
