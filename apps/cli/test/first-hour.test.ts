import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { connect } from '@ledgerport/core'
import { createTempDir } from '@ledgerport/test-kit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from './run-cli.js'

const BROKER_SOURCE = `export const source = {
  name: 'broker-csv',
  summary: 'the desk broker export',
  options: {},
  create: () => ({
    discover: async () => [{ name: 'orders', entities: ['orders'] }],
    async *read() {
      yield {
        checkpoint: { done: true },
        records: [
          { entity: 'orders', sourceKey: 'B-1', values: { symbol: 'TCS', side: 'buy', status: 'filled', price: '3900.00' } },
          { entity: 'orders', sourceKey: 'B-2', values: { symbol: 'INFY', side: 'sell', status: 'filled', price: '1500.50' } },
        ],
      }
    },
    close: async () => {},
  }),
}
`

async function sourcesOfOrders(url: string): Promise<string[]> {
  const connection = await connect(url)
  try {
    const rows = await connection.db.selectFrom('orders').select('source').distinct().execute()
    return rows.map((row) => String(row.source))
  } finally {
    await connection.close()
  }
}

async function orderCount(url: string): Promise<number> {
  const connection = await connect(url)
  try {
    const row = await connection.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  } finally {
    await connection.close()
  }
}

describe("a new user's first hour (CLI names, help and exit codes)", () => {
  let dir: string
  let cleanup: () => Promise<void>

  beforeEach(async () => {
    const temp = await createTempDir()
    dir = temp.path
    cleanup = temp.cleanup
    await mkdir(join(dir, 'plugins'))
    await writeFile(join(dir, 'plugins', 'broker-source.mjs'), BROKER_SOURCE)
  })
  afterEach(() => cleanup())

  it('calls a config-named plugin by its config key everywhere: plugins, rows, runs and rollback --source', async () => {
    await writeFile(
      join(dir, 'ledgerport.config.ts'),
      `export default { plugins: { sources: { broker: './plugins/broker-source.mjs' } } }\n`,
    )
    const url = `sqlite:${join(dir, 'target.db')}`
    const ran = await runCli(['run', '--from', 'broker', '--to', url, '--yes', '--json'], { cwd: dir })
    expect(ran.code, ran.stderr).toBe(0)
    expect(JSON.parse(ran.stdout)).toMatchObject({ source: 'broker', totals: { inserted: 2 } })
    expect(await sourcesOfOrders(url)).toEqual(['broker'])

    const listed = await runCli(['plugins', '--json'], { cwd: dir })
    expect(JSON.parse(listed.stdout)).toMatchObject({ command: 'plugins', ok: true })
    expect(JSON.parse(listed.stdout).sources).toContainEqual(
      expect.objectContaining({ name: 'broker', plugin: 'broker-csv', installed: true }),
    )
    const table = await runCli(['plugins'], { cwd: dir })
    expect(table.stdout).toMatch(/broker\s+the desk broker export \(module name broker-csv\)/)

    const runs = JSON.parse(
      (await runCli(['runs', '--to', url, '--source', 'broker', '--json'], { cwd: dir })).stdout,
    )
    expect(runs).toMatchObject({ command: 'runs', ok: true, runs: [{ source: 'broker' }] })

    const moduleName = await runCli(['run', '--from', 'broker-csv', '--to', url, '--yes'], { cwd: dir })
    expect(moduleName.code).toBe(2)
    expect(moduleName.stderr).toContain(
      'broker-csv is the module name of the source the config calls broker (./plugins/broker-source.mjs): use --from broker.',
    )

    const wrongName = await runCli(['rollback', '--source', 'broker-csv', '--to', url, '--yes'], { cwd: dir })
    expect(wrongName.code).toBe(2)
    expect(wrongName.stderr).toContain('No run of source broker-csv')
    expect(wrongName.stderr).toContain('Sources with runs here: broker')
    expect(await sourcesOfOrders(url)).toEqual(['broker'])

    const rolledBack = await runCli(['rollback', '--source', 'broker', '--to', url, '--yes'], { cwd: dir })
    expect(rolledBack.code, rolledBack.stderr).toBe(0)
    expect(rolledBack.stdout).toMatch(/orders\s+2/)
    expect(await sourcesOfOrders(url)).toEqual([])
  })

  it('stops the stream with a plugin error naming plugin, entity and column when a source writes a column that does not exist', async () => {
    await writeFile(
      join(dir, 'plugins', 'typo-source.mjs'),
      BROKER_SOURCE.replace("name: 'broker-csv'", "name: 'typo-csv'").replace(
        "price: '3900.00' }",
        "price: '3900.00', qty: '10' }",
      ),
    )
    const url = `sqlite:${join(dir, 'typo.db')}`
    const run = await runCli(['run', '--from', './plugins/typo-source.mjs', '--to', url, '--yes', '--json'], {
      cwd: dir,
    })
    expect(run.code).toBe(1)
    const report = JSON.parse(run.stdout)
    expect(report.ok).toBe(false)
    expect(report.results[0]).toMatchObject({ stream: 'orders', status: 'Error', rejected: 0 })
    expect(report.results[0].error).toContain(
      'Source plugin typo-csv wrote column qty on orders, which has no such column',
    )
    expect(await sourcesOfOrders(url)).toEqual([])
  })

  it('writes duplicates to the rejects file as their own kind, with both locations, and counts them per stream', async () => {
    await writeFile(
      join(dir, 'plugins', 'dup-source.mjs'),
      `export const source = {
  name: 'dup-csv',
  summary: 'repeats a line',
  options: {},
  create: () => ({
    discover: async () => [{ name: 'orders', entities: ['orders'] }],
    async *read() {
      const order = (line) => ({ entity: 'orders', sourceKey: 'B-1', location: { file: 'orders.csv', path: 'line ' + line }, values: { symbol: 'TCS', side: 'buy', status: 'filled' } })
      yield { checkpoint: { done: true }, records: [order(2), order(7)] }
    },
    close: async () => {},
  }),
}
`,
    )
    const rejects = join(dir, 'rejects.jsonl')
    const url = `sqlite:${join(dir, 'dup.db')}`
    const run = await runCli(
      ['run', '--from', './plugins/dup-source.mjs', '--to', url, '--rejects', rejects, '--yes', '--json'],
      { cwd: dir },
    )
    expect(run.code, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report.results[0]).toMatchObject({ stream: 'orders', inserted: 1, duplicates: 1, rejected: 0 })
    expect(report.rejectsFile).toBe(rejects)
    const { readFile } = await import('node:fs/promises')
    const lines = (await readFile(rejects, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines).toEqual([
      {
        run_id: report.runId,
        source: 'dup-csv',
        kind: 'duplicate',
        stream: 'orders',
        entity: 'orders',
        location: { file: 'orders.csv', path: 'line 7' },
        kept: { file: 'orders.csv', path: 'line 2' },
        reason:
          'same orders source key B-1 as a record earlier in the batch (orders.csv line 2), which was kept',
      },
    ])
  })

  it('leaves no SQLite file behind for migrate list, plan and verify of a database that does not exist', async () => {
    await mkdir(join(dir, 'migrations'))
    await writeFile(
      join(dir, 'migrations', '001_create_trades.sql'),
      '-- migrate:up\nCREATE TABLE trades (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE trades;\n',
    )
    for (const command of ['list', 'plan', 'verify']) {
      const run = await runCli(['migrate', command], { cwd: dir })
      expect(run.code, `${command}: ${run.stderr}`).toBe(0)
      expect(run.stderr).toContain(
        './ledgerport.db does not exist; it was not created (migrate latest creates it)',
      )
      expect(existsSync(join(dir, 'ledgerport.db')), command).toBe(false)
    }
    expect((await runCli(['migrate', 'list'], { cwd: dir })).stdout).toMatch(/001_create_trades\s+Pending/)
    expect((await runCli(['migrate', 'plan'], { cwd: dir })).stdout).toContain('CREATE TABLE trades')
    // A database that exists is kept as it is.
    expect((await runCli(['migrate', 'latest'], { cwd: dir })).code).toBe(0)
    const list = await runCli(['migrate', 'list'], { cwd: dir })
    expect(list.stderr).not.toContain('does not exist')
    expect(list.stdout).toMatch(/001_create_trades\s+Applied/)
  })

  it('names the file of a TS migration that throws when imported, and plan on it does not say Nothing to do', async () => {
    await mkdir(join(dir, 'migrations'))
    await writeFile(join(dir, 'migrations', '001_broken.ts'), 'export async function up() {}\nedit.x = 1\n')
    for (const command of ['plan', 'latest']) {
      const run = await runCli(['migrate', command, '--yes'], { cwd: dir })
      expect(run.code, command).toBe(1)
      expect(run.stderr).toContain(
        `Migration ${join(dir, 'migrations', '001_broken.ts')} could not be loaded: edit is not defined.`,
      )
      expect(run.stdout).not.toContain('Nothing to do.')
    }
  })

  it('leaves no file behind after run --dry-run into a SQLite file that did not exist', async () => {
    const run = await runCli(['run', '--from', 'synthetic', '--trades', '5', '--dry-run', '--json'], {
      cwd: dir,
    })
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: true, totals: { inserted: expect.any(Number) } })
    expect(JSON.parse(run.stdout).totals.inserted).toBeGreaterThan(0)
    expect(existsSync(join(dir, 'ledgerport.db'))).toBe(false)
    // Into a file that exists, the file stays (and holds none of the dry run's rows).
    const url = `sqlite:${join(dir, 'kept.db')}`
    expect(
      (await runCli(['run', '--from', 'synthetic', '--trades', '5', '--yes', '--to', url], { cwd: dir }))
        .code,
    ).toBe(0)
    const before = await orderCount(url)
    expect(before).toBeGreaterThan(0)
    const dry = await runCli(['run', '--from', 'synthetic', '--trades', '9', '--dry-run', '--to', url], {
      cwd: dir,
    })
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toContain('DRY RUN (nothing kept)')
    expect(existsSync(join(dir, 'kept.db'))).toBe(true)
    expect(await orderCount(url)).toBe(before)
  })

  it('says an unknown rollback --source is an error on a target with no runs', async () => {
    const url = `sqlite:${join(dir, 'empty.db')}`
    const run = await runCli(['rollback', '--source', 'nobody', '--to', url, '--yes'], { cwd: dir })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('No run of source nobody')
    expect(run.stderr).toContain('This target has no runs yet.')
  })

  it('suggests the nearest built-in source for a typo and does not tell the user to npm i it', async () => {
    const run = await runCli(['run', '--from', 'json-file', '--yes'], { cwd: dir })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('Unknown source json-file. Did you mean json-files?')
    expect(run.stderr).not.toContain('npm i json-file')
    const far = await runCli(['run', '--from', 'quux', '--yes'], { cwd: dir })
    expect(far.code).toBe(2)
    expect(far.stderr).not.toContain('Did you mean')
    const scoped = await runCli(['run', '--from', '@acme/ledgerport-source-x', '--yes'], { cwd: dir })
    expect(scoped.code).toBe(2)
    expect(scoped.stderr).toContain('npm i @acme/ledgerport-source-x')
    expect(existsSync(join(dir, 'ledgerport.db'))).toBe(false)
  })

  it('makes --limit that is not a positive whole number a usage error', async () => {
    for (const limit of ['abc', '0', '2.5', '-1']) {
      const run = await runCli(['runs', '--limit', limit, '--to', `sqlite:${join(dir, 't.db')}`], {
        cwd: dir,
      })
      expect(run.code, limit).toBe(2)
      expect(run.stderr).toContain(`--limit ${limit} is not a positive whole number`)
    }
    const ok = await runCli(['runs', '--limit', '3', '--to', `sqlite:${join(dir, 't.db')}`], { cwd: dir })
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toContain('No runs yet.')
  })

  it('treats a missing command as a usage error (help on stderr, exit 2) and --help as help (stdout, exit 0)', async () => {
    for (const args of [[], ['migrate'], ['sync', 'nope']]) {
      const run = await runCli(args, { cwd: dir })
      expect(run.code, args.join(' ')).toBe(2)
      expect(run.stdout, args.join(' ')).toBe('')
      expect(run.stderr).toMatch(/Usage: ledgerport|error: /)
    }
    for (const args of [['--help'], ['migrate', '--help'], ['-V']]) {
      const run = await runCli(args, { cwd: dir })
      expect(run.code, args.join(' ')).toBe(0)
      expect(run.stdout.length).toBeGreaterThan(0)
    }
  })

  it('loads ledgerport.config.json', async () => {
    await writeFile(
      join(dir, 'ledgerport.config.json'),
      JSON.stringify({ plugins: { sources: { broker: './plugins/broker-source.mjs' } } }),
    )
    const url = `sqlite:${join(dir, 'json.db')}`
    const ran = await runCli(['run', '--from', 'broker', '--to', url, '--yes', '--json'], { cwd: dir })
    expect(ran.code, ran.stderr).toBe(0)
    expect(JSON.parse(ran.stdout)).toMatchObject({ totals: { inserted: 2 } })
    await writeFile(join(dir, 'ledgerport.config.json'), '{ "plugins": ')
    const broken = await runCli(['run', '--from', 'broker', '--to', url, '--yes'], { cwd: dir })
    expect(broken.code).toBe(2)
    expect(broken.stderr).toContain('ledgerport.config.json is not valid JSON')
  })

  it('answers to migrate status, info, validate and rollback as aliases of list, list, verify and down', async () => {
    await mkdir(join(dir, 'migrations'))
    await writeFile(
      join(dir, 'migrations', '001_create_trades.sql'),
      '-- migrate:up\nCREATE TABLE trades (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE trades;\n',
    )
    expect((await runCli(['migrate', 'latest'], { cwd: dir })).code).toBe(0)
    for (const alias of ['status', 'info']) {
      const run = await runCli(['migrate', alias, '--json'], { cwd: dir })
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({
        command: 'list',
        databases: [{ migrations: [{ name: '001_create_trades', state: 'Applied' }] }],
      })
    }
    const validate = await runCli(['migrate', 'validate', '--json'], { cwd: dir })
    expect(validate.code, validate.stderr).toBe(0)
    expect(JSON.parse(validate.stdout)).toMatchObject({ command: 'verify', ok: true })
    const rollback = await runCli(['migrate', 'rollback', '--yes'], { cwd: dir })
    expect(rollback.code, rollback.stderr).toBe(0)
    const after = JSON.parse((await runCli(['migrate', 'status', '--json'], { cwd: dir })).stdout)
    expect(after.databases[0].migrations[0].state).toBe('Pending')
  })
})
