import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // The install checks pack tarballs and run `npm install` against the registry.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
})
