import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { connect, ENTITIES } from '@ledgerport/core'
import {
  createPostgresDatabase,
  createTempDir,
  type ScratchDatabase,
  startHranaServer,
} from '@ledgerport/test-kit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { killAtRandomPoints, runCli } from './run-cli.js'

/** Per-table row counts and a content fingerprint (sum of row hashes) of a target. */
async function fingerprint(url: string): Promise<Record<string, string>> {
  const connection = await connect(url)
  try {
    const out: Record<string, string> = {}
    for (const entity of ENTITIES) {
      const rows = await connection.db.selectFrom(entity).select(['id', 'row_hash']).orderBy('id').execute()
      out[entity] =
        `${rows.length}:${rows.map((r) => `${r.id}=${r.row_hash}`).join(',').length}:${rows.reduce((sum, r) => (sum + BigInt(`0x${String(r.row_hash).slice(0, 12)}`)) % (1n << 60n), 0n)}`
    }
    return out
  } finally {
    await connection.close()
  }
}

async function countOrders(url: string): Promise<number> {
  const connection = await connect(url)
  try {
    const row = await connection.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst()
    return Number(row?.n ?? 0)
  } catch {
    return 0
  } finally {
    await connection.close()
  }
}

describe.each(['sqlite', 'postgres'] as const)('ledgerport run into %s (CLI)', (engine) => {
  let dir: string
  let cleanup: () => Promise<void>
  const databases: ScratchDatabase[] = []
  const url = async (name: string): Promise<string> => {
    if (engine === 'sqlite') return `sqlite:${join(dir, `${name}.db`)}`
    const database = await createPostgresDatabase()
    databases.push(database)
    return database.url
  }

  beforeEach(async () => {
    const temp = await createTempDir()
    dir = temp.path
    cleanup = temp.cleanup
  })
  afterEach(async () => {
    for (const database of databases.splice(0)) await database.drop()
    await cleanup()
  })

  it('resumes after SIGKILL at 5 random points with nothing lost or doubled', async () => {
    const args = [
      'run',
      '--from',
      'synthetic',
      '--trades',
      '3000',
      '--seed',
      '3',
      '--batch-size',
      '250',
      '--yes',
    ]
    const reference = await url('reference')
    expect((await runCli([...args, '--to', reference], { cwd: dir })).code).toBe(0)
    const expected = await fingerprint(reference)
    const total = await countOrders(reference)

    const target = await url('killed')
    const kills = await killAtRandomPoints({
      args: [...args, '--to', target],
      cwd: dir,
      attempts: 5,
      progress: () => countOrders(target),
      total,
      minStep: 100,
    })
    expect(kills).toBeGreaterThan(0)
    const resumed = await runCli([...args, '--to', target, '--json'], { cwd: dir })
    expect(resumed.code).toBe(0)
    const report = JSON.parse(resumed.stdout)
    expect(report.totals.updated).toBe(0)
    expect(await fingerprint(target)).toEqual(expected)
    const verify = await runCli(
      ['verify', '--from', 'synthetic', '--trades', '3000', '--seed', '3', '--to', target, '--json'],
      { cwd: dir },
    )
    expect(JSON.parse(verify.stdout).ok).toBe(true)
    expect(verify.code).toBe(0)
  })

  it('runs, re-runs with nothing to write, lists runs, rolls back, and keeps secrets out of output', async () => {
    const target = await url('main')
    const secretTarget =
      engine === 'postgres' ? target.replace('postgres@', 'postgres:Sup3rSecretPw@') : target
    const first = await runCli(
      ['run', '--from', 'synthetic', '--trades', '200', '--to', secretTarget, '--yes', '--json'],
      { cwd: dir },
    )
    expect(first.code).toBe(0)
    const report = JSON.parse(first.stdout)
    expect(report.ok).toBe(true)
    expect(report.totals.inserted).toBeGreaterThan(1000)
    const second = JSON.parse(
      (
        await runCli(
          ['run', '--from', 'synthetic', '--trades', '200', '--to', secretTarget, '--yes', '--json'],
          { cwd: dir },
        )
      ).stdout,
    )
    expect(second.totals).toMatchObject({ inserted: 0, updated: 0, unchanged: report.totals.inserted })
    const runs = await runCli(['runs', '--to', secretTarget, '--json'], { cwd: dir })
    const listed = JSON.parse(runs.stdout).runs
    expect(listed.map((r: { id: string }) => r.id)).toEqual([second.runId, report.runId])
    const rolled = await runCli(['rollback', report.runId, '--to', secretTarget, '--yes'], { cwd: dir })
    expect(rolled.code).toBe(0)
    expect(await countOrders(target)).toBe(0)
    const table = await runCli(
      ['run', '--from', 'synthetic', '--trades', '10', '--to', secretTarget, '--yes'],
      { cwd: dir },
    )
    for (const output of [
      first.stdout,
      first.stderr,
      runs.stdout,
      rolled.stdout,
      rolled.stderr,
      table.stdout,
      table.stderr,
    ]) {
      expect(output).not.toContain('Sup3rSecretPw')
    }
    const connection = await connect(target)
    try {
      const stored = await connection.db.selectFrom('ledgerport_runs').selectAll().execute()
      expect(JSON.stringify(stored)).not.toContain('Sup3rSecretPw')
    } finally {
      await connection.close()
    }
  })

  it('writes rejects to ledgerport_rejects and a JSONL file, and links rows to --user-id', async () => {
    const target = await url('rejects')
    const run = await runCli(
      [
        'run',
        '--from',
        './bad-source.mjs',
        '--to',
        target,
        '--yes',
        '--json',
        '--user-id',
        '42',
        '--timezone',
        'Asia/Kolkata',
      ],
      { cwd: await writeBadSource(dir) },
    )
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report.totals).toMatchObject({ read: 3, inserted: 2, rejected: 1 })
    expect(report.warnings).toContain('1 naive source times were read as Asia/Kolkata (--timezone).')
    const files = await readdir(join(dir, 'ledgerport-rejects'))
    const lines = (await readFile(join(dir, 'ledgerport-rejects', files[0]!), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines).toMatchObject([
      {
        stream: 'orders',
        entity: 'orders',
        field: 'price',
        location: { file: 'orders.json', path: 'orders[1]' },
      },
    ])
    const connection = await connect(target)
    try {
      const orders = await connection.db.selectFrom('orders').select(['user_id', 'placed_at']).execute()
      const user = await connection.db
        .selectFrom('users')
        .select(['id', 'external_id', 'source'])
        .executeTakeFirst()
      expect(user).toMatchObject({ external_id: '42', source: 'cli' })
      expect(orders.map((o) => o.user_id)).toEqual([user!.id, user!.id])
      const placed = orders[0]!.placed_at
      expect(placed instanceof Date ? placed.toISOString() : placed).toBe(
        '2026-01-05T04:15:00.000Z'.replace('.000', engine === 'postgres' ? '.000' : ''),
      )
      const rejects = await connection.db
        .selectFrom('ledgerport_rejects')
        .select(['field', 'path', 'reason'])
        .execute()
      expect(rejects).toMatchObject([{ field: 'price', path: 'orders[1]' }])
    } finally {
      await connection.close()
    }
  })

  it('asks before a live run: without a terminal it needs --yes (exit 2); --dry-run keeps nothing', async () => {
    const target = await url('confirm')
    const refused = await runCli(['run', '--from', 'synthetic', '--trades', '5', '--to', target], {
      cwd: dir,
    })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('--yes')
    const dry = await runCli(
      ['run', '--from', 'synthetic', '--trades', '5', '--to', target, '--dry-run', '--json'],
      { cwd: dir },
    )
    expect(dry.code).toBe(0)
    const dryReport = JSON.parse(dry.stdout)
    expect(dryReport).toMatchObject({ dryRun: true, ok: true })
    expect(await countOrders(target)).toBe(0)
    const real = JSON.parse(
      (
        await runCli(['run', '--from', 'synthetic', '--trades', '5', '--to', target, '--yes', '--json'], {
          cwd: dir,
        })
      ).stdout,
    )
    expect(dryReport.totals).toEqual(real.totals)
    expect(real.totals.inserted).toBeGreaterThan(0)
    expect((await runCli(['run', '--from', 'no-such-source', '--to', target], { cwd: dir })).code).toBe(2)
    expect(
      (
        await runCli(['run', '--from', 'synthetic', '--trades', 'many', '--to', target, '--yes'], {
          cwd: dir,
        })
      ).code,
    ).toBe(2)
    expect(
      (
        await runCli(['run', '--from', 'synthetic', '--to', target, '--yes', '--timezone', 'Mars/Olympus'], {
          cwd: dir,
        })
      ).code,
    ).toBe(2)
  })
})

/** A user's own source module (`--from ./bad-source.mjs`) with one bad record and one naive time. */
async function writeBadSource(dir: string): Promise<string> {
  const { writeFile } = await import('node:fs/promises')
  await writeFile(
    join(dir, 'bad-source.mjs'),
    `export const source = {
  name: 'bad-source',
  summary: 'two orders, one with a bad price',
  options: {},
  create: () => ({
    discover: async () => [{ name: 'orders', entities: ['orders'] }],
    async *read() {
      yield {
        checkpoint: { done: true },
        records: [
          { entity: 'orders', sourceKey: 'o1', values: { symbol: 'TCS', side: 'buy', status: 'filled', price: '3900.00', placed_at: '2026-01-05 09:45:00' }, location: { file: 'orders.json', path: 'orders[0]' } },
          { entity: 'orders', sourceKey: 'o2', values: { symbol: 'TCS', side: 'buy', status: 'filled', price: 'abc' }, location: { file: 'orders.json', path: 'orders[1]' } },
          { entity: 'orders', sourceKey: 'o3', values: { symbol: 'INFY', side: 'sell', status: 'open', price: '1500.5' }, location: { file: 'orders.json', path: 'orders[2]' } },
        ],
      }
    },
    close: async () => {},
  }),
}
`,
  )
  return dir
}

describe('ledgerport verify and --schema (CLI)', () => {
  it('exits 1 when the target disagrees with the source, and works in a PostgreSQL schema', async () => {
    const database = await createPostgresDatabase()
    const temp = await createTempDir()
    try {
      const base = ['--from', 'synthetic', '--to', database.url, '--schema', 'trading']
      expect((await runCli(['run', ...base, '--trades', '40', '--yes'], { cwd: temp.path })).code).toBe(0)
      const same = await runCli(['verify', ...base, '--trades', '40', '--json'], { cwd: temp.path })
      expect(same.code).toBe(0)
      const more = await runCli(['verify', ...base, '--trades', '45', '--json'], { cwd: temp.path })
      expect(more.code).toBe(1)
      const report = JSON.parse(more.stdout)
      expect(report.entities.find((e: { entity: string }) => e.entity === 'round_trips')).toMatchObject({
        sourceCount: 45,
        targetCount: 40,
        ok: false,
      })
      const runs = await runCli(['runs', '--to', database.url, '--schema', 'trading', '--json'], {
        cwd: temp.path,
      })
      expect(JSON.parse(runs.stdout).runs).toHaveLength(1)
      const connection = await connect(database.url)
      try {
        const { rows } = await (await import('kysely')).sql<{
          n: string
        }>`select count(*) as n from trading.round_trips`.execute(connection.db)
        expect(Number(rows[0]!.n)).toBe(40)
      } finally {
        await connection.close()
      }
    } finally {
      await database.drop()
      await temp.cleanup()
    }
  })

  it('exits 1 naming each reference column whose referenced orders were deleted behind its back', async () => {
    const temp = await createTempDir()
    try {
      const target = `sqlite:${join(temp.path, 'target.db')}`
      const base = ['--from', 'synthetic', '--trades', '20', '--seed', '5', '--to', target]
      expect((await runCli(['run', ...base, '--yes'], { cwd: temp.path })).code).toBe(0)
      expect((await runCli(['verify', ...base], { cwd: temp.path })).stdout).toContain(
        'No orphans, no invalid values.',
      )
      const connection = await connect(target)
      const expected: Record<string, number> = {}
      try {
        const { sql } = await import('kysely')
        const gone = await connection.db.selectFrom('orders').select('id').orderBy('id').limit(3).execute()
        const ids = gone.map((row) => String(row.id))
        for (const [entity, column] of [
          ['fills', 'order_id'],
          ['round_trips', 'entry_order_id'],
          ['round_trips', 'exit_order_id'],
        ] as const) {
          const { rows } = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(entity)}
            where ${sql.ref(column)} in (${sql.join(ids)})`.execute(connection.db)
          if (Number(rows[0]!.n)) expected[`${entity}.${column} → orders`] = Number(rows[0]!.n)
        }
        await connection.db.deleteFrom('orders').where('id', 'in', ids).execute()
      } finally {
        await connection.close()
      }
      expect(Object.keys(expected).length).toBeGreaterThan(0)
      const json = await runCli(['verify', ...base, '--json'], { cwd: temp.path })
      expect(json.code).toBe(1)
      const orphans = JSON.parse(json.stdout).orphans.filter(
        (c: { check: string; count: number }) => c.count > 0 && c.check.endsWith('→ orders'),
      )
      expect(
        Object.fromEntries(orphans.map((c: { check: string; count: number }) => [c.check, c.count])),
      ).toEqual(expected)
      for (const check of orphans) expect(check.examples.length).toBeGreaterThan(0)
      const text = await runCli(['verify', ...base], { cwd: temp.path })
      expect(text.code).toBe(1)
      for (const [check, count] of Object.entries(expected))
        expect(text.stdout).toContain(
          `${check}: ${count} row(s) point at orders rows that are not in the target`,
        )
      expect(text.stdout).toContain('verification failed')
    } finally {
      await temp.cleanup()
    }
  })

  it('runs into a Turso-like target with --to-auth-token, kept out of the output', async () => {
    const temp = await createTempDir()
    const token = 'tursotoken-run-0a1b2c3d'
    const server = await startHranaServer({ dbPath: join(temp.path, 'turso.db'), authToken: token })
    try {
      const base = ['run', '--from', 'synthetic', '--trades', '5', '--to', server.url, '--yes', '--json']
      const refused = await runCli(base, { cwd: temp.path })
      expect(refused.code).toBe(1)
      const ran = await runCli([...base, '--to-auth-token', token], { cwd: temp.path })
      expect(ran.code, ran.stderr).toBe(0)
      expect(JSON.parse(ran.stdout).totals.inserted).toBeGreaterThan(0)
      for (const run of [refused, ran]) expect(run.stdout + run.stderr).not.toContain(token)
    } finally {
      await server.close()
      await temp.cleanup()
    }
  })

  it('finds a source named in the config (plugins.sources), for run, --help and plugins', async () => {
    const temp = await createTempDir()
    try {
      const { mkdir, writeFile } = await import('node:fs/promises')
      await mkdir(join(temp.path, 'plugins'))
      await writeFile(
        join(temp.path, 'plugins', 'broker.mjs'),
        `export const source = {
  name: 'acme-broker',
  summary: 'the desk broker export',
  options: { desk: { type: 'string', description: 'desk code' } },
  create: (options) => ({
    discover: async () => [{ name: 'orders', entities: ['orders'] }],
    async *read() {
      yield {
        checkpoint: { done: true },
        records: [{ entity: 'orders', sourceKey: options.desk + '-1', values: { symbol: 'TCS', side: 'buy', status: 'filled', price: '3900.00' } }],
      }
    },
    close: async () => {},
  }),
}
`,
      )
      await writeFile(
        join(temp.path, 'ledgerport.config.ts'),
        `import { defineConfig } from '@ledgerport/core'
export default defineConfig({ plugins: { sources: { broker: './plugins/broker.mjs' } } })
`,
      )
      const help = await runCli(['run', '--from', 'broker', '--help'], { cwd: temp.path })
      expect(help.stdout).toContain('--desk <value>')
      const ran = await runCli(['run', '--from', 'broker', '--desk', 'fx', '--yes', '--json'], {
        cwd: temp.path,
      })
      expect(ran.code, ran.stderr).toBe(0)
      expect(JSON.parse(ran.stdout)).toMatchObject({ totals: { inserted: 1 } })
      const listed = JSON.parse((await runCli(['plugins', '--json'], { cwd: temp.path })).stdout)
      expect(listed.sources).toContainEqual(
        expect.objectContaining({ name: 'broker', plugin: 'acme-broker', installed: true }),
      )
      const elsewhere = await runCli(
        ['run', '--from', 'broker', '--config', join(temp.path, 'missing.config.ts'), '--yes'],
        { cwd: temp.path },
      )
      expect(elsewhere.code).toBe(2)
      expect(elsewhere.stderr).toContain('missing.config.ts')
    } finally {
      await temp.cleanup()
    }
  })
})
