import { symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { createTempDir, writeFreqtradeDatabase } from '@ledgerport/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { botIdOf, databaseName, locateTursoBots } from './locate-bots.js'

let dir: { path: string; cleanup(): Promise<void> }
beforeAll(async () => {
  dir = await createTempDir('ledgerport-turso-locate-')
  writeFreqtradeDatabase(join(dir.path, 'alpha', 'user_data', 'tradesv3.dryrun.sqlite'), {
    schema: 'current',
    trades: 1,
  })
})
afterAll(() => dir.cleanup())

describe('bot ids', () => {
  it('come from a Turso database named bot-USER-INSTANCE, whatever the organization and region', () => {
    expect(databaseName('libsql://bot-1-a-org.turso.io')).toBe('bot-1-a')
    expect(databaseName('libsql://bot-42-scalper-v2-acme.aws-us-east-1.turso.io')).toBe('bot-42-scalper-v2')
    // An organization with a dash needs --org (TURSO_ORG): the last dash part alone is not it.
    expect(databaseName('libsql://bot-7-b-my-team.turso.io')).toBe('bot-7-b-my')
    expect(databaseName('libsql://bot-7-b-my-team.turso.io', 'my-team')).toBe('bot-7-b')
    expect(botIdOf('bot-1-a')).toBe('a')
    expect(botIdOf('bot-42-scalper-v2')).toBe('scalper-v2')
    expect(botIdOf('backup-main')).toBe('backup-main')
    // sqld namespaces: the first label of any other host.
    expect(databaseName('https://bot-64f1c2-grid.db.example.com:8080')).toBe('bot-64f1c2-grid')
    // No database in an address.
    expect(databaseName('http://127.0.0.1:8080')).toBeUndefined()
    expect(databaseName('http://localhost:8080')).toBeUndefined()
    expect(databaseName('http://[::1]:8080')).toBeUndefined()
  })

  it('are derived per URL, from --bot-id when given, and from the file for file: URLs', () => {
    const file = join(dir.path, 'alpha', 'user_data', 'tradesv3.dryrun.sqlite')
    const bots = locateTursoBots({
      url: [
        `libsql://bot-1-a-org.turso.io?authToken=secret-value,file:${file}`,
        'https://bot-2-dryrun-x-org.turso.io',
      ],
      cwd: dir.path,
    })
    expect(bots.map((b) => [b.botId, b.display, b.dryRun])).toEqual([
      ['a', 'libsql://bot-1-a-org.turso.io?authToken=***', false],
      ['alpha', file, true],
      ['dryrun-x', 'https://bot-2-dryrun-x-org.turso.io', true],
    ])
    expect(bots[1]?.path).toBe(file)
    const relative = locateTursoBots({
      url: ['file:alpha/user_data/tradesv3.dryrun.sqlite', 'libsql://bot-1-a-org.turso.io'],
      botId: ['one', 'two'],
      cwd: dir.path,
    })
    expect(relative.map((b) => [b.botId, b.path])).toEqual([
      ['one', file],
      ['two', undefined],
    ])
  })

  it('must be unique, without "/", one per URL; URLs must be libSQL ones and files must exist', () => {
    const cwd = dir.path
    expect(() =>
      locateTursoBots({ url: ['libsql://bot-1-a-x.turso.io', 'libsql://bot-2-a-y.turso.io'], cwd }),
    ).toThrow(/Two databases would be bot "a"/)
    expect(() => locateTursoBots({ url: ['libsql://bot-1-a-x.turso.io'], botId: ['a/b'], cwd })).toThrow(
      /without "\/"/,
    )
    expect(() => locateTursoBots({ url: ['libsql://bot-1-a-x.turso.io'], botId: ['a', 'b'], cwd })).toThrow(
      /--bot-id names 2 bot\(s\) but --url names 1/,
    )
    expect(() => locateTursoBots({ url: ['mongodb://db/x'], cwd })).toThrow(/reads libsql:\/\//)
    expect(() => locateTursoBots({ url: ['file:missing.db'], cwd })).toThrow(/no such file/)
    expect(() => locateTursoBots({ url: ['http://127.0.0.1:8080'], cwd })).toThrow(/Give --bot-id/)
    expect(() => locateTursoBots({ url: [], cwd })).toThrow(/--url/)
  })

  it('refuses two file: URLs that are one file through a symbolic link, and names a link loop', () => {
    const cwd = dir.path
    symlinkSync(join(dir.path, 'alpha'), join(dir.path, 'alpha-alias'))
    symlinkSync(join(dir.path, 'loop-2'), join(dir.path, 'loop-1'))
    symlinkSync(join(dir.path, 'loop-1'), join(dir.path, 'loop-2'))
    const real = join(dir.path, 'alpha', 'user_data', 'tradesv3.dryrun.sqlite')
    expect(() =>
      locateTursoBots({
        url: [
          'file:alpha/user_data/tradesv3.dryrun.sqlite',
          'file:alpha-alias/user_data/tradesv3.dryrun.sqlite',
        ],
        botId: ['one', 'two'],
        cwd,
      }),
    ).toThrow(
      `--url ${real} and --url ${join(dir.path, 'alpha-alias', 'user_data', 'tradesv3.dryrun.sqlite')} are the same database file (${real}, through a symbolic link): give it once.`,
    )
    expect(() => locateTursoBots({ url: ['file:loop-1'], cwd })).toThrow(
      `--db ${join(dir.path, 'loop-1')}: is a loop of symbolic links (ELOOP).`,
    )
  })
})
