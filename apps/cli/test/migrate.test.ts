import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createPostgresDatabase, createTempDir } from '@ledgerport/test-kit'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from './run-cli.js'

const CREATE =
  '-- migrate:up\nCREATE TABLE trades (id INTEGER PRIMARY KEY, symbol TEXT);\n-- migrate:down\nDROP TABLE trades;\n'
const ADD =
  '-- migrate:up\nALTER TABLE trades ADD COLUMN qty TEXT;\n-- migrate:down\nALTER TABLE trades DROP COLUMN qty;\n'

describe('ledgerport migrate (CLI)', () => {
  let dir: string
  let cleanup: () => Promise<void>

  beforeEach(async () => {
    const temp = await createTempDir()
    dir = temp.path
    cleanup = temp.cleanup
    await mkdir(join(dir, 'migrations'))
    await writeFile(join(dir, 'migrations', '001_create_trades.sql'), CREATE)
    await writeFile(join(dir, 'migrations', '002_add_qty.sql'), ADD)
  })
  afterEach(() => cleanup())

  it('defaults to sqlite:./ledgerport.db and ./migrations, and prints a table', async () => {
    const run = await runCli(['migrate', 'latest'], { cwd: dir })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/001_create_trades\s+up\s+Success/)
    expect(existsSync(join(dir, 'ledgerport.db'))).toBe(true)
    const list = await runCli(['migrate', 'list'], { cwd: dir })
    expect(list.stdout).toMatch(/002_add_qty\s+Applied/)
  })

  it("gives a stable --json shape for a bot's /migration_status", async () => {
    await runCli(['migrate', 'up'], { cwd: dir })
    const run = await runCli(['migrate', 'list', '--json'], { cwd: dir })
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report).toMatchObject({
      command: 'list',
      ok: true,
      databases: [
        {
          name: 'default',
          url: 'sqlite:./ledgerport.db',
          ok: true,
          current: '001_create_trades',
          pending: 1,
          changed: 0,
          missing: 0,
          migrations: [
            { name: '001_create_trades', state: 'Applied', reversible: true },
            { name: '002_add_qty', state: 'Pending', reversible: true },
          ],
        },
      ],
    })
    expect(report.databases[0].migrations[0].appliedAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/)
  })

  it('exits 0 for --help on every command, 2 for usage errors, 1 for a failed migration', async () => {
    for (const args of [
      ['--help'],
      ['migrate', '--help'],
      ['migrate', 'latest', '--help'],
      ['migrate', 'plan', '--help'],
    ]) {
      const run = await runCli(args, { cwd: dir })
      expect(run.code, args.join(' ')).toBe(0)
      expect(run.stdout).toContain('Usage: ledgerport')
    }
    expect((await runCli(['migrate', 'sideways'], { cwd: dir })).code).toBe(2)
    expect((await runCli(['migrate', 'up', 'three'], { cwd: dir })).code).toBe(2)
    expect((await runCli(['migrate', 'latest', '--db', 'nope'], { cwd: dir })).code).toBe(2)
    await writeFile(
      join(dir, 'migrations', '003_broken.sql'),
      'CREATE TABLE x (id INTEGER);\nSELECT * FROM nowhere;\n',
    )
    const failed = await runCli(['migrate', 'latest'], { cwd: dir })
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain('003_broken.sql')
    expect(failed.stderr).toContain('SELECT * FROM nowhere')
  })

  it('asks before down and repair; without a TTY it needs --yes (exit 2)', async () => {
    await runCli(['migrate', 'latest'], { cwd: dir })
    const refused = await runCli(['migrate', 'down'], { cwd: dir })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('--yes')
    const down = await runCli(['migrate', 'down', '--all-migrations', '--yes', '--json'], { cwd: dir })
    expect(down.code).toBe(0)
    expect(
      JSON.parse(down.stdout).databases[0].results.map((r: { migrationName: string }) => r.migrationName),
    ).toEqual(['002_add_qty', '001_create_trades'])
  })

  it('migrates every database of a config file, and a failing one does not stop the others', async () => {
    for (const name of ['combined_v3', 'price_action_v6', 'central_system']) {
      await mkdir(join(dir, 'migrations', name), { recursive: true })
      await writeFile(join(dir, 'migrations', name, '001_initial_schema.sql'), CREATE)
    }
    await writeFile(
      join(dir, 'migrations', 'price_action_v6', '002_broken.sql'),
      'INSERT INTO missing VALUES (1);',
    )
    await writeFile(
      join(dir, 'ledgerport.config.ts'),
      `import { defineConfig } from '@ledgerport/core'
export default defineConfig({
  databases: {
    combined_v3: { url: 'sqlite:databases/zepix_combined.db', migrations: 'migrations/combined_v3' },
    price_action_v6: { url: 'sqlite:databases/zepix_price_action.db', migrations: 'migrations/price_action_v6' },
    central_system: { url: 'file:databases/zepix_bot.db', migrations: 'migrations/central_system' },
  },
})
`,
    )
    await mkdir(join(dir, 'databases'))
    const run = await runCli(['migrate', 'latest', '--all', '--json'], { cwd: dir })
    expect(run.code).toBe(1)
    const report = JSON.parse(run.stdout)
    expect(report.databases.map((d: { name: string; ok: boolean }) => [d.name, d.ok])).toEqual([
      ['combined_v3', true],
      ['price_action_v6', false],
      ['central_system', true],
    ])
    const one = await runCli(['migrate', 'list', '--db', 'central_system', '--json'], { cwd: dir })
    expect(JSON.parse(one.stdout).databases).toMatchObject([
      { name: 'central_system', current: '001_initial_schema' },
    ])
    const table = await runCli(['migrate', 'list', '--all'], { cwd: dir })
    expect(table.stdout).toContain('3 databases: 3 ok, 0 failed')
  })

  it("takes the config's migrations settings (ledger table, unordered) unless a flag says otherwise", async () => {
    await writeFile(
      join(dir, 'ledgerport.config.ts'),
      `import { defineConfig } from '@ledgerport/core'
export default defineConfig({
  databases: { bot: { url: 'sqlite:bot.db' } },
  migrations: { tableName: 'schema_history', lockTimeoutMs: 5000, allowUnordered: true },
})
`,
    )
    const run = await runCli(['migrate', 'latest', '--json'], { cwd: dir })
    expect(run.code, run.stderr).toBe(0)
    const tables = () =>
      new Database(join(dir, 'bot.db'), { readonly: true })
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all()
    expect(tables()).toContain('schema_history')
    expect(tables()).not.toContain('ledgerport_migrations')
    // A migration that sorts before the applied ones: the config allows it.
    await writeFile(
      join(dir, 'migrations', '000_early.sql'),
      '-- migrate:up\nCREATE TABLE early (id INTEGER);\n',
    )
    const unordered = await runCli(['migrate', 'latest', '--json'], { cwd: dir })
    expect(unordered.code, unordered.stderr).toBe(0)
    expect(tables()).toContain('early')
    // A flag wins over the config.
    const flagged = await runCli(['migrate', 'list', '--table', 'other_ledger', '--json'], { cwd: dir })
    expect(JSON.parse(flagged.stdout).databases[0].pending).toBe(3)
    const badTimeout = await runCli(['migrate', 'list', '--lock-timeout', 'soon'], { cwd: dir })
    expect(badTimeout.code).toBe(2)
  })

  it('migrates a fleet of per-bot SQLite files with --glob', async () => {
    for (const bot of ['bot-a', 'bot-b', 'bot-c']) {
      await mkdir(join(dir, 'bots', bot), { recursive: true })
      new Database(join(dir, 'bots', bot, 'tradesv3.sqlite')).close()
    }
    const run = await runCli(['migrate', 'latest', '--glob', 'bots/*/tradesv3.sqlite', '--json'], {
      cwd: dir,
    })
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report.databases).toHaveLength(3)
    for (const database of report.databases) expect(database.results).toHaveLength(2)
  })

  it('writes a consistent --backup copy before changing a SQLite file', async () => {
    await runCli(['migrate', 'up'], { cwd: dir })
    const run = await runCli(['migrate', 'latest', '--backup', '--json'], { cwd: dir })
    const backup = JSON.parse(run.stdout).databases[0].backup as string
    expect(backup).toMatch(/ledgerport\.db\.backup-\d{8}T\d{6}Z$/)
    const copy = new Database(join(dir, backup), { readonly: true })
    const columns = copy.prepare("select name from pragma_table_info('trades')").all()
    copy.close()
    expect(columns).toEqual([{ name: 'id' }, { name: 'symbol' }])
  })

  it('makes numbered TypeScript and SQL migration files', async () => {
    const ts = await runCli(['migrate', 'make', 'add hybrid SL'], { cwd: dir })
    expect(ts.code).toBe(0)
    const sqlFile = await runCli(['migrate', 'make', 'addTrendPulse', '--sql'], { cwd: dir })
    expect(sqlFile.code).toBe(0)
    const files = (await readdir(join(dir, 'migrations'))).sort()
    expect(files).toEqual([
      '001_create_trades.sql',
      '002_add_qty.sql',
      '003_add_hybrid_sl.ts',
      '004_add_trend_pulse.sql',
    ])
    expect(await readFile(join(dir, 'migrations', '004_add_trend_pulse.sql'), 'utf8')).toContain(
      '-- migrate:down',
    )
    const applied = await runCli(['migrate', 'latest'], { cwd: dir })
    expect(applied.code).toBe(0)
    expect(applied.stdout).toMatch(/003_add_hybrid_sl\s+up\s+Success/)
  })

  it('never prints a password from the URL', async () => {
    const database = await createPostgresDatabase()
    try {
      const url = database.url.replace('postgres@', 'postgres:Sup3rSecretPw@')
      await writeFile(join(dir, 'migrations', '003_broken.sql'), 'SELECT * FROM nowhere;')
      const run = await runCli(['migrate', 'latest', '--url', url], { cwd: dir })
      const bad = await runCli(
        ['migrate', 'list', '--url', 'postgres://postgres:Sup3rSecretPw@127.0.0.1:1/none'],
        { cwd: dir },
      )
      for (const output of [run.stdout, run.stderr, bad.stdout, bad.stderr])
        expect(output).not.toContain('Sup3rSecretPw')
      expect(run.stdout).toContain('postgres:***@')
      expect(bad.code).toBe(1)
    } finally {
      await database.drop()
    }
  })
})
