/** A plugin context, as `@ledgerport/core`'s `PluginContext` has it (test-kit does not depend on core). */
export interface TestPluginContext {
  readonly timezone: string
  readonly batchSize: number
  readonly cwd: string
  warn(message: string): void
}

/** The plugin context of a test run (UTC, 5000 records a batch); warnings are collected. */
export function testContext(
  overrides: Partial<TestPluginContext> = {},
): TestPluginContext & { warnings: string[] } {
  const warnings: string[] = []
  return {
    timezone: 'UTC',
    batchSize: 5000,
    cwd: process.cwd(),
    warn: (message) => warnings.push(message),
    warnings,
    ...overrides,
  }
}

/** One stream's counts in a run's result. */
type StreamCounts = { read: number; inserted: number; updated: number; unchanged: number; rejected: number }

/** Per-stream counts of a run's result (`DataMigrationResultSet` of `@ledgerport/core`), by stream name. */
export function countsByStream(result: {
  readonly results: ReadonlyArray<StreamCounts & { readonly stream: string }>
}): Record<string, StreamCounts> {
  return Object.fromEntries(
    result.results.map(({ stream, read, inserted, updated, unchanged, rejected }) => [
      stream,
      { read, inserted, updated, unchanged, rejected },
    ]),
  )
}
