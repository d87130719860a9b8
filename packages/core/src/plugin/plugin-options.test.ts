import { describe, expect, it } from 'vitest'
import { parsePluginOptions } from './plugin-options.js'

describe('parsePluginOptions', () => {
  const specs = {
    url: { type: 'string[]', description: 'database URLs' },
    authToken: { type: 'string', description: 'token', secret: true, env: 'TEST_TOKEN' },
    dir: { type: 'string', description: 'a folder', default: 'data' },
  } as const

  it('redacts secret options, and passwords and tokens inside URL values, for storage and output', () => {
    const parsed = parsePluginOptions(
      specs,
      { url: ['libsql://bot-1-a.turso.io?authToken=tok123secret', 'postgres://app:hunter22@db/x'] },
      { TEST_TOKEN: 'env-token-value' },
    )
    expect(parsed.values).toMatchObject({
      url: ['libsql://bot-1-a.turso.io?authToken=tok123secret', 'postgres://app:hunter22@db/x'],
      authToken: 'env-token-value',
      dir: 'data',
    })
    expect(parsed.redacted).toEqual({
      url: ['libsql://bot-1-a.turso.io?authToken=***', 'postgres://app:***@db/x'],
      authToken: '***',
      dir: 'data',
    })
    expect(parsed.secrets).toEqual(expect.arrayContaining(['env-token-value', 'tok123secret', 'hunter22']))
    expect(JSON.stringify(parsed.redacted)).not.toMatch(/tok123secret|hunter22|env-token-value/)
  })
})
