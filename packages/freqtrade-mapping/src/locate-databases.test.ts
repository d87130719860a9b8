import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createTempDir } from '@ledgerport/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { locateDatabases } from './locate-databases.js'

let dir: { path: string; cleanup(): Promise<void> }
const touch = (...parts: string[]) => {
  const path = join(dir.path, ...parts)
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, '')
  return path
}

beforeAll(async () => {
  dir = await createTempDir('ledgerport-ft-locate-')
  touch('bots', 'alpha', 'user_data', 'tradesv3.sqlite')
  touch('bots', 'alpha', 'user_data', 'tradesv3.sqlite-wal')
  touch('bots', 'alpha', 'user_data', 'config.json')
  touch('bots', 'bravo', 'user_data', 'tradesv3.dryrun.sqlite')
  touch('bots', 'charlie', 'user_data', 'tradesv3.sqlite')
  touch('bots', 'charlie', 'user_data', 'tradesv3.dryrun.sqlite')
  touch('bots', 'delta', 'tradesv3.sqlite')
  touch('bots', 'loose-bot.dry-run.sqlite')
  touch('bots', 'empty', 'user_data', 'logs', 'x.log')
  touch('bots', 'alpha', 'user_data', 'tradesv3.sqlite.backup-20260101T000000Z')
})
afterAll(() => dir.cleanup())

describe('locateDatabases', () => {
  it('finds every instance below --instances-dir, with folder names as bot ids and dry-run from the file name', () => {
    const found = locateDatabases({ instancesDir: 'bots', cwd: dir.path })
    expect(found.map((f) => [f.botId, f.path.slice(dir.path.length + 1), f.dryRun])).toEqual([
      ['alpha', 'bots/alpha/user_data/tradesv3.sqlite', false],
      ['bravo', 'bots/bravo/user_data/tradesv3.dryrun.sqlite', true],
      ['charlie.dryrun', 'bots/charlie/user_data/tradesv3.dryrun.sqlite', true],
      ['charlie', 'bots/charlie/user_data/tradesv3.sqlite', false],
      ['delta', 'bots/delta/tradesv3.sqlite', false],
      ['loose-bot.dry-run', 'bots/loose-bot.dry-run.sqlite', true],
    ])
  })

  it('takes --db files, repeated or comma-separated, naming bots after their instance folder or file', () => {
    const found = locateDatabases({
      db: [
        'bots/alpha/user_data/tradesv3.sqlite,bots/delta/tradesv3.sqlite',
        'bots/loose-bot.dry-run.sqlite',
      ],
      cwd: dir.path,
    })
    expect(found.map((f) => f.botId)).toEqual(['alpha', 'delta', 'loose-bot.dry-run'])
  })

  it('uses --bot-id, one per database, and refuses a count that does not match', () => {
    const db = ['bots/alpha/user_data/tradesv3.sqlite', 'bots/delta/tradesv3.sqlite']
    expect(locateDatabases({ db, botId: ['a1', 'd1'], cwd: dir.path }).map((f) => f.botId)).toEqual([
      'a1',
      'd1',
    ])
    expect(() => locateDatabases({ db, botId: ['only-one'], cwd: dir.path })).toThrow(
      /--bot-id names 1 bot\(s\) but 2/,
    )
    expect(() => locateDatabases({ db, botId: ['same', 'same'], cwd: dir.path })).toThrow(
      /Two databases would be bot "same"/,
    )
  })

  it('says what is missing', () => {
    expect(() => locateDatabases({ db: ['nope.sqlite'], cwd: dir.path })).toThrow(
      /--db nope.sqlite: there is no such file/,
    )
    expect(() => locateDatabases({ instancesDir: 'nowhere', cwd: dir.path })).toThrow(/no such folder/)
    expect(() => locateDatabases({ instancesDir: 'bots/empty', cwd: dir.path })).toThrow(
      /no Freqtrade database found/,
    )
    expect(() => locateDatabases({ cwd: dir.path })).toThrow(/--db FILE or --instances-dir DIR/)
  })
})

describe('locateDatabases with symbolic links', () => {
  it('reads an alias once (under the real name, told once), and makes a loop or a dangling link that entry’s error', () => {
    const root = join(dir.path, 'linked')
    touch('linked', 'zulu', 'user_data', 'tradesv3.sqlite')
    touch('linked', 'solo.sqlite')
    symlinkSync(join(root, 'zulu'), join(root, 'a-zulu-alias'))
    symlinkSync(join(root, 'solo.sqlite'), join(root, 'solo-copy.sqlite'))
    symlinkSync(join(root, 'loop-b'), join(root, 'loop-a'))
    symlinkSync(join(root, 'loop-a'), join(root, 'loop-b'))
    symlinkSync(join(root, 'gone'), join(root, 'dangling'))
    const warnings: string[] = []
    const found = locateDatabases({ instancesDir: 'linked', cwd: dir.path, warn: (w) => warnings.push(w) })
    expect(found.map((f) => [f.botId, f.path.slice(root.length + 1), f.error ?? null])).toEqual([
      [
        'dangling',
        'dangling',
        `${join(root, 'dangling')}: is a symbolic link to a missing file or folder. Fix or remove this entry of --instances-dir; the other bots are read.`,
      ],
      [
        'loop-a',
        'loop-a',
        `${join(root, 'loop-a')}: is a loop of symbolic links (ELOOP). Fix or remove this entry of --instances-dir; the other bots are read.`,
      ],
      [
        'loop-b',
        'loop-b',
        `${join(root, 'loop-b')}: is a loop of symbolic links (ELOOP). Fix or remove this entry of --instances-dir; the other bots are read.`,
      ],
      ['solo', 'solo.sqlite', null],
      ['zulu', 'zulu/user_data/tradesv3.sqlite', null],
    ])
    expect(warnings).toEqual([
      `${join(root, 'a-zulu-alias', 'user_data', 'tradesv3.sqlite')} is a symbolic link to ${join(root, 'zulu', 'user_data', 'tradesv3.sqlite')}, which is already read as ${join(root, 'zulu', 'user_data', 'tradesv3.sqlite')}: read once, as that bot.`,
      `${join(root, 'solo-copy.sqlite')} is a symbolic link to ${join(root, 'solo.sqlite')}, which is already read as ${join(root, 'solo.sqlite')}: read once, as that bot.`,
    ])
    // A --db that names an alias of an instance's file is that bot too.
    const both = locateDatabases({
      db: [join(root, 'a-zulu-alias', 'user_data', 'tradesv3.sqlite')],
      instancesDir: 'linked',
      cwd: dir.path,
    })
    expect(both.filter((f) => f.path.endsWith('tradesv3.sqlite'))).toHaveLength(1)
  })
})
