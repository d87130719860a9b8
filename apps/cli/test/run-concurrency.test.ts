import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdir } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { connect, ENTITIES, RUN_LOCK_TABLE } from '@ledgerport/core'
import { createPostgresDatabase, createTempDir, type ScratchDatabase } from '@ledgerport/test-kit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { collectCli, runCli, startCli } from './run-cli.js'

/** Runs `query` on a target, or returns `fallback` while it cannot (the tables are not there yet). */
async function probe<T>(url: string, query: (db: any) => Promise<T>, fallback: T): Promise<T> {
  const connection = await connect(url)
  try {
    return await query(connection.db)
  } catch {
    return fallback
  } finally {
    await connection.close()
  }
}

/** Rows of every canonical table, and a digest of their ids and row hashes. */
async function contents(
  url: string,
): Promise<{ rows: number; digest: string; perTable: Record<string, number> }> {
  const connection = await connect(url)
  try {
    const hash = createHash('sha256')
    const perTable: Record<string, number> = {}
    let rows = 0
    for (const entity of ENTITIES) {
      const found = await connection.db.selectFrom(entity).select(['id', 'row_hash']).orderBy('id').execute()
      perTable[entity] = found.length
      rows += found.length
      for (const row of found) hash.update(`${entity}:${row.id}=${row.row_hash}\n`)
    }
    return { rows, digest: hash.digest('hex'), perTable }
  } finally {
    await connection.close()
  }
}

interface LedgerRun {
  readonly status: string
  readonly totals: Record<string, number>
}

async function ledgerRuns(url: string): Promise<LedgerRun[]> {
  const connection = await connect(url)
  try {
    const rows = await connection.db
      .selectFrom('ledgerport_runs')
      .select(['status', 'counts'])
      .orderBy('started_at')
      .execute()
    return rows.map((row) => {
      const counts = typeof row.counts === 'string' ? JSON.parse(row.counts) : row.counts
      return { status: String(row.status), totals: counts?.totals ?? {} }
    })
  } finally {
    await connection.close()
  }
}

const lockRows = (url: string) =>
  probe(
    url,
    async (db) =>
      Number(
        (await db.selectFrom(RUN_LOCK_TABLE).select(db.fn.countAll().as('n')).executeTakeFirst())?.n ?? 0,
      ),
    0,
  )

const orderRows = (url: string) =>
  probe(
    url,
    async (db) =>
      Number((await db.selectFrom('orders').select(db.fn.countAll().as('n')).executeTakeFirst())?.n ?? 0),
    0,
  )

/** Polls `condition` until it holds or `child` exits; true when it held. */
async function until(
  child: ReturnType<typeof startCli>,
  condition: () => Promise<boolean>,
): Promise<boolean> {
  while (child.exitCode === null) {
    if (await condition()) return true
    await sleep(20)
  }
  return false
}

const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z'
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe.each(['sqlite', 'postgres'] as const)('two processes on one %s target (CLI)', (engine) => {
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

  // The same 2,000 round trips; `slow` pauses 150 ms between batches, so its run holds the lock for a
  // few seconds without generating and writing much. Rows do not depend on the pause, so a `fast`
  // run into another database is the reference.
  const fast = ['run', '--from', 'synthetic', '--trades', '2000', '--batch-size', '500', '--yes']
  const args = [...fast, '--pause-ms', '150']

  it('a second run of the same source and options stops with locked-by, exit 1; the target is one run', async () => {
    const reference = await url('reference')
    expect((await runCli([...fast, '--to', reference], { cwd: dir })).code).toBe(0)
    const target = await url('target')
    const first = startCli([...args, '--to', target], { cwd: dir })
    const firstDone = collectCli(first)
    expect(await until(first, async () => (await lockRows(target)) > 0)).toBe(true)
    const second = await runCli([...args, '--to', target], { cwd: dir })
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(
      new RegExp(
        `locked by pid ${first.pid} on host ${escapeRegExp(hostname())} since ${ISO}; .*--lock-timeout`,
      ),
    )
    expect(second.stderr).not.toMatch(/duplicate key|Resuming/)
    const done = await firstDone
    expect(done.code, done.stderr).toBe(0)
    const runs = await ledgerRuns(target)
    expect(runs.map((r) => r.status)).toEqual(['succeeded'])
    const [got, expected] = [await contents(target), await contents(reference)]
    expect(got).toEqual(expected)
    expect(runs[0]!.totals.inserted).toBe(got.rows)
  })

  it('with --lock-timeout the second waits for the first, then finds nothing to write', async () => {
    const target = await url('target')
    const first = startCli([...args, '--to', target], { cwd: dir })
    const firstDone = collectCli(first)
    expect(await until(first, async () => (await lockRows(target)) > 0)).toBe(true)
    const second = await runCli([...args, '--to', target, '--lock-timeout', '300', '--json'], { cwd: dir })
    const done = await firstDone
    expect(done.code, done.stderr).toBe(0)
    expect(second.code, second.stderr).toBe(0)
    const report = JSON.parse(second.stdout)
    expect(report.resumed).toBe(false)
    expect(report.totals.inserted).toBe(0)
    const runs = await ledgerRuns(target)
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded'])
    expect(runs[0]!.totals.inserted).toBe((await contents(target)).rows)
    expect(runs[1]!.totals.unchanged).toBe(runs[0]!.totals.inserted)
  })

  it('runs of other sources and options into one (empty) target run at the same time and both succeed', async () => {
    const target = await url('target')
    const only = (entity: string) => [
      'run',
      '--from',
      'synthetic',
      '--trades',
      '3000',
      '--only',
      entity,
      '--batch-size',
      '200',
      '--pause-ms',
      '100',
      '--yes',
      '--json',
      '--to',
      target,
    ]
    const orders = startCli(only('orders'), { cwd: dir })
    const fills = startCli(only('fills'), { cwd: dir })
    const [ordersDone, fillsDone] = [collectCli(orders), collectCli(fills)]
    // Both hold their scope's lock at one moment: they ran side by side.
    const together = until(orders, async () => (await lockRows(target)) === 2)
    const [a, b, overlapped] = [await ordersDone, await fillsDone, await together]
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    expect(`${a.stderr}${b.stderr}`).not.toMatch(/duplicate key|locked/)
    expect(overlapped).toBe(true)
    const got = await contents(target)
    expect(JSON.parse(a.stdout).totals.inserted).toBe(got.perTable.orders)
    expect(JSON.parse(b.stdout).totals.inserted).toBe(got.perTable.fills)
    expect(got.perTable.orders).toBeGreaterThan(0)
    expect(got.perTable.fills).toBeGreaterThan(0)
  })

  it('a second sync of the same source stops with locked-by, exit 1; the target is one sync', async () => {
    const fastSync = ['sync', '--from', 'synthetic', '--trades', '2000', '--batch-size', '500']
    const sync = [...fastSync, '--pause-ms', '150']
    const reference = await url('reference')
    expect((await runCli([...fastSync, '--to', reference], { cwd: dir })).code).toBe(0)
    const target = await url('target')
    const first = startCli([...sync, '--to', target], { cwd: dir })
    const firstDone = collectCli(first)
    expect(await until(first, async () => (await lockRows(target)) > 0)).toBe(true)
    const second = await runCli([...sync, '--to', target], { cwd: dir })
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(
      new RegExp(`locked by pid ${first.pid} on host ${escapeRegExp(hostname())}`),
    )
    expect(second.stderr).not.toMatch(/destroyed|\n\s+at /)
    const done = await firstDone
    expect(done.code, done.stderr).toBe(0)
    expect((await ledgerRuns(target)).map((r) => r.status)).toEqual(['succeeded'])
    expect(await contents(target)).toEqual(await contents(reference))
  })

  it('a second replicate of the same source stops with locked-by, exit 1, and the copy completes', async () => {
    const source = `sqlite:${join(dir, 'source.db')}`
    // replicate has no pace of its own: a source large enough that the copy takes a few seconds.
    expect(
      (await runCli([...fast.map((a) => (a === '2000' ? '20000' : a)), '--to', source], { cwd: dir })).code,
    ).toBe(0)
    const target = await url('replica')
    const replicate = ['replicate', '--from', source, '--batch-size', '500', '--yes']
    const first = startCli([...replicate, '--to', target], { cwd: dir })
    const firstDone = collectCli(first)
    const replicaLocks = () =>
      probe(
        target,
        async (db) =>
          Number(
            (
              await db
                .selectFrom('ledgerport_replica_locks')
                .select(db.fn.countAll().as('n'))
                .executeTakeFirst()
            )?.n ?? 0,
          ),
        0,
      )
    expect(await until(first, async () => (await replicaLocks()) > 0)).toBe(true)
    const second = await runCli([...replicate, '--to', target], { cwd: dir })
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(
      new RegExp(`Replicates of ${escapeRegExp(source)} into .* are locked by pid ${first.pid} on host`),
    )
    expect(second.stderr).not.toMatch(/did not create|duplicate key/)
    const done = await firstDone
    expect(done.code, done.stderr).toBe(0)
    expect((await contents(target)).digest).toBe((await contents(source)).digest)
  })

  it.each(['SIGKILL', 'SIGINT'] as const)(
    'a run stopped by %s and resumed has the whole run in its ledger counts',
    async (signal) => {
      const fastArgs = ['run', '--from', 'synthetic', '--trades', '3000', '--batch-size', '500', '--yes']
      const runArgs = [...fastArgs, '--pause-ms', '100']
      const reference = await url('reference')
      const whole = await runCli([...fastArgs, '--to', reference, '--json'], { cwd: dir })
      expect(whole.code).toBe(0)
      const wholeTotals = JSON.parse(whole.stdout).totals
      const target = await url('target')
      const child = startCli([...runArgs, '--to', target], { cwd: dir })
      const exited = once(child, 'exit')
      expect(await until(child, async () => (await orderRows(target)) >= 1_000)).toBe(true)
      child.kill(signal)
      await exited
      const partial = await orderRows(target)
      expect(partial).toBeLessThan(6_000)
      const resumed = await runCli([...runArgs, '--to', target, '--json'], { cwd: dir })
      expect(resumed.code, resumed.stderr).toBe(0)
      expect(JSON.parse(resumed.stdout).resumed).toBe(true)
      const runs = await ledgerRuns(target)
      expect(runs.map((r) => r.status)).toEqual(['succeeded'])
      expect(runs[0]!.totals).toEqual(wholeTotals)
      expect(runs[0]!.totals.inserted).toBe((await contents(target)).rows)
      expect(await contents(target)).toEqual(await contents(reference))
    },
  )
})

describe('a SQLite target whose disk fills mid-run (CLI)', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let mounted = false
  let reason = ''

  beforeEach(async () => {
    const temp = await createTempDir()
    dir = temp.path
    cleanup = temp.cleanup
    await mkdir(join(dir, 'disk'))
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', join(dir, 'disk')], { stdio: 'pipe' })
      mounted = true
    } catch (error) {
      reason = `cannot mount a tmpfs (needs root): ${(error as Error).message.split('\n')[0]}`
    }
  })
  afterEach(async () => {
    if (mounted) execFileSync('umount', [join(dir, 'disk')])
    mounted = false
    await cleanup()
  })

  it('exits 1 naming the full disk, and counts only the committed rows', async (context) => {
    if (!mounted) {
      console.warn(`skipped: ${reason}`)
      context.skip()
    }
    const target = `sqlite:${join(dir, 'disk', 'target.db')}`
    const full = await runCli(
      [
        'run',
        '--from',
        'synthetic',
        '--trades',
        '20000',
        '--batch-size',
        '1000',
        '--yes',
        '--json',
        '--to',
        target,
      ],
      { cwd: dir },
    )
    expect(full.code).toBe(1)
    const report = JSON.parse(full.stdout)
    expect(report.error).toMatch(/The disk of the target sqlite:.*target\.db is full \(SQLITE_FULL\)/)
    expect(`${full.stdout}${full.stderr}`).not.toMatch(/cannot rollback|no transaction is active|\n\s+at /)
    // Free space (as a user would), then look at what was kept.
    execFileSync('mount', ['-o', 'remount,size=256m', join(dir, 'disk')])
    const kept = await contents(target)
    expect(kept.rows).toBeGreaterThan(0)
    expect(kept.perTable.orders).toBeLessThan(40_000)
    expect(report.totals.inserted).toBe(kept.rows)
    const runs = await ledgerRuns(target)
    expect(runs).toHaveLength(1)
    expect(runs[0]!.totals.inserted).toBe(kept.rows)
    // The ledger does not say `running` for the run that stopped, and the same command resumes it.
    expect(runs[0]!.status).toBe('failed')
    // Had its end not been written either, `runs` (and the next run) says what happened.
    const connection = await connect(target)
    await connection.db.updateTable('ledgerport_runs').set({ status: 'running', error: null }).execute()
    await connection.close()
    const listed = await runCli(['runs', '--json', '--to', target], { cwd: dir })
    expect(listed.code).toBe(0)
    expect(JSON.parse(listed.stdout).runs).toMatchObject([
      { status: 'failed', error: 'the process stopped without finishing (no lock held)' },
    ])
    const again = await runCli(
      [
        'run',
        '--from',
        'synthetic',
        '--trades',
        '20000',
        '--batch-size',
        '1000',
        '--yes',
        '--json',
        '--to',
        target,
      ],
      { cwd: dir },
    )
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout).resumed).toBe(true)
    const after = await ledgerRuns(target)
    expect(after.map((run) => run.status)).toEqual(['succeeded'])
  })
})
