import { importPackage } from './optional-package.js'

/** The built-in source names: `--from NAME` loads `@ledgerport/source-NAME` when it is installed. */
export const BUILT_IN_SOURCES: ReadonlyArray<string> = [
  'bybit-v2',
  'json-files',
  'paper-trading',
  'mongo',
  'freqtrade-sqlite',
  'turso',
]

/** The built-in target packages, in the order a `--to URL` is offered to them (`accepts(url)`). */
export const BUILT_IN_TARGETS: ReadonlyArray<string> = [
  '@ledgerport/target-postgres',
  '@ledgerport/target-sqlite',
  '@ledgerport/target-turso',
]

/** The package of a built-in source name, or undefined for a name that is not built in. */
export function builtInSourcePackage(name: string): string | undefined {
  return BUILT_IN_SOURCES.includes(name) ? `@ledgerport/source-${name}` : undefined
}

/**
 * The synthetic source (generated round trips, for trying ledgerport and for tests); it lives in
 * `@ledgerport/core/testing/synthetic` (without vitest), not in core's main entry.
 */
export async function syntheticSourceModule(): Promise<unknown> {
  const testing = (await importPackage('@ledgerport/core/testing/synthetic')) as { syntheticSource: unknown }
  return { source: testing.syntheticSource }
}
