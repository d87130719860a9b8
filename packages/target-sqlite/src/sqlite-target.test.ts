import { join } from 'node:path'
import { describeTarget } from '@ledgerport/core/testing'
import { createTempDir } from '@ledgerport/test-kit'
import { describe, expect, it } from 'vitest'
import { target } from './sqlite-target.js'

let cleanup: (() => Promise<void>) | undefined

describeTarget('sqlite', {
  create: async () => {
    const dir = await createTempDir()
    cleanup = dir.cleanup
    return target.create(
      `sqlite:${join(dir.path, 'ledgerport.db')}`,
      {},
      { timezone: 'UTC', batchSize: 5000, cwd: dir.path, warn: () => {} },
    )
  },
  cleanup: () => cleanup?.() ?? Promise.resolve(),
})

describe('sqlite target URLs', () => {
  it('takes the URLs better-sqlite3 opens and leaves file: URLs to libSQL', () => {
    expect(target.accepts('sqlite:./ledgerport.db')).toBe(true)
    expect(target.accepts('./bot.sqlite3')).toBe(true)
    // `file:bot.db` opens with @libsql/client: claiming it made every upsert fail (target-turso serves it).
    expect(target.accepts('file:bot.db')).toBe(false)
    expect(target.accepts('postgres://localhost/test')).toBe(false)
    expect(target.accepts('not a url')).toBe(false)
  })
})
