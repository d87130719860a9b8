import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A LIBSQL_URL server is one database, which each test file empties and fills: one file at a time.
    fileParallelism: !process.env.LIBSQL_URL,
  },
})
