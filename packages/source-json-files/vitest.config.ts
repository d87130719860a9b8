import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The large-file test measures live heap after forced collections.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
  },
})
