import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { connect, type DatabaseConnection } from '@ledgerport/core'
import {
  createPostgresDatabase,
  createTempDir,
  type ScratchDatabase,
  TEST_POSTGRES_URL,
} from '@ledgerport/test-kit'
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type CliRun, collectCli, runCli, startCli } from './run-cli.js'

/** A password the trust-auth test server ignores: it must never reach output or the process list. */
const PASSWORD = 's3cret-Pw-77'

/** The scratch database's URL with {@link PASSWORD} in it. */
function withPassword(url: string): string {
  const parsed = new URL(url)
  parsed.password = PASSWORD
  return parsed.toString()
}

/** A TCP server that accepts every connection and never sends a byte: a hung PostgreSQL. */
async function startSilentServer(): Promise<{ url: string; connections: Socket[]; close(): Promise<void> }> {
  const connections: Socket[] = []
  const server: Server = createServer((socket) => {
    socket.on('error', () => {})
    connections.push(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `postgres://ledger:${PASSWORD}@127.0.0.1:${port}/trading`,
    connections,
    close: async () => {
      for (const socket of connections) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Asserts that a failed command ended the way the CLI promises: exit 1, one redacted error line. */
function expectOneLineFailure(run: CliRun, pattern: RegExp): void {
  expect(run.code).toBe(1)
  expect(run.stderr).not.toMatch(/Unhandled|node:events|^\s+at /m)
  expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD)
  const errors = run.stderr.split('\n').filter((line) => line.startsWith('error:'))
  expect(errors).toHaveLength(1)
  expect(errors[0]).toMatch(pattern)
}

let admin: DatabaseConnection
let temp: { path: string; cleanup(): Promise<void> }
const databases: ScratchDatabase[] = []

beforeAll(async () => {
  admin = await connect(TEST_POSTGRES_URL)
  temp = await createTempDir('ledgerport-pg-faults-')
})

afterAll(async () => {
  await admin.close()
  await temp.cleanup()
})

afterEach(async () => {
  for (const database of databases.splice(0)) await database.drop()
})

async function scratch(): Promise<ScratchDatabase> {
  const database = await createPostgresDatabase('lp_faults')
  databases.push(database)
  return database
}

/**
 * Terminates the ledgerport backends of a database as soon as one of them is running a statement
 * that matches `pattern` (ILIKE); resolves with what it killed, or `undefined` when `done()` came first.
 */
async function terminateWhenRunning(
  database: string,
  pattern: string,
  done: () => boolean,
  sparePid = 0,
): Promise<string | undefined> {
  while (!done()) {
    const { rows } = await sql<{ query: string }>`
      select query from pg_stat_activity
      where datname = ${database} and state = 'active' and query ilike ${pattern}
        and application_name like 'ledgerport%' and pid <> ${sparePid}`.execute(admin.db)
    if (rows.length) {
      await sql`select pg_terminate_backend(pid) from pg_stat_activity
        where datname = ${database} and application_name like 'ledgerport%' and pid <> ${sparePid}`.execute(
        admin.db,
      )
      return rows[0]!.query
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return undefined
}

/** Starts a command, kills its backends mid-statement, and returns how it ended. */
async function killMidStatement(
  args: ReadonlyArray<string>,
  database: ScratchDatabase,
  pattern: string,
): Promise<{ run: CliRun; killed: string | undefined }> {
  const child = startCli(args, { cwd: temp.path })
  let exited = false
  const result = collectCli(child).then((run) => {
    exited = true
    return run
  })
  const killed = await terminateWhenRunning(database.name, pattern, () => exited)
  return { run: await result, killed }
}

describe('a PostgreSQL backend killed mid-statement (pg_terminate_backend)', () => {
  it('run: mid-COPY exits 1 with one redacted line and marks the run failed', async () => {
    const database = await scratch()
    const url = withPassword(database.url)
    // A first, one-trade run creates the model; the second run's new fills are COPYed into `fills`.
    expect((await runCli(['run', '--from', 'synthetic', '--trades', '1', '--to', url, '--yes'])).code).toBe(0)
    const target = await connect(database.url)
    try {
      // Holding a SHARE lock on `fills` keeps the COPY running (waiting) until it is killed.
      const { run, killed } = await target.db.connection().execute(async (locker) => {
        await sql`begin`.execute(locker)
        await sql`lock table fills in share mode`.execute(locker)
        const { rows: me } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(locker)
        const child = startCli(['run', '--from', 'synthetic', '--trades', '20000', '--to', url, '--yes'], {
          cwd: temp.path,
        })
        let exited = false
        const result = collectCli(child).then((done) => {
          exited = true
          return done
        })
        const query = await terminateWhenRunning(database.name, 'copy %', () => exited, me[0]!.pid)
        await sql`commit`.execute(locker)
        return { run: await result, killed: query }
      })
      expect(killed).toMatch(/^COPY "/i)
      expectOneLineFailure(run, /connection|terminat/i)
      const { rows } = await sql<{ status: string }>`
        select status from ledgerport_runs order by started_at`.execute(target.db)
      expect(rows.map((r) => r.status)).toEqual(['succeeded', 'failed'])
    } finally {
      await target.close()
    }
  })

  it('replicate: mid-COPY exits 1 with one redacted line', async () => {
    const database = await scratch()
    const file = join(temp.path, 'big.db')
    const db = new Database(file)
    db.exec('create table ticks (id integer primary key, pair text not null, price real not null)')
    const insert = db.prepare('insert into ticks values (?, ?, ?)')
    db.transaction(() => {
      for (let id = 1; id <= 400_000; id++) insert.run(id, `PAIR-${id % 97}/USDT`, id / 7)
    })()
    db.close()
    const { run, killed } = await killMidStatement(
      ['replicate', '--from', `sqlite:${file}`, '--to', withPassword(database.url), '--jobs', '1', '--yes'],
      database,
      'copy %',
    )
    expect(killed).toMatch(/^copy/i)
    expectOneLineFailure(run, /connection|terminat/i)
  })

  it('migrate latest: mid-statement exits 1 with one redacted line', async () => {
    const database = await scratch()
    const migrations = join(temp.path, 'slow-migrations')
    await import('node:fs/promises').then((fs) => fs.mkdir(migrations, { recursive: true }))
    await writeFile(join(migrations, '0001_slow.sql'), 'select pg_sleep(60);\n')
    const { run, killed } = await killMidStatement(
      ['migrate', 'latest', '--url', withPassword(database.url), '--migrations', migrations],
      database,
      '%pg_sleep%',
    )
    expect(killed).toMatch(/pg_sleep/)
    expectOneLineFailure(run, /connection to PostgreSQL at 127\.0\.0\.1:5432 was closed/)
  })
})

describe('a PostgreSQL server that accepts TCP and never answers', () => {
  let silent: Awaited<ReturnType<typeof startSilentServer>>
  let migrations: string

  beforeAll(async () => {
    silent = await startSilentServer()
    migrations = join(temp.path, 'migrations')
    await import('node:fs/promises').then((fs) => fs.mkdir(migrations, { recursive: true }))
    await writeFile(join(migrations, '0001_orders.sql'), 'create table orders (id integer primary key);\n')
  })

  afterAll(async () => {
    await silent.close()
  })

  const connectTimeout = /did not accept the connection within 1 s \(connect timeout\)/

  it('migrate latest and list end on --connect-timeout and print no "Nothing to do."', async () => {
    for (const command of ['latest', 'list']) {
      const run = await runCli(
        ['migrate', command, '--url', silent.url, '--migrations', migrations, '--connect-timeout', '1'],
        { cwd: temp.path },
      )
      expectOneLineFailure(run, connectTimeout)
      expect(run.stdout).not.toMatch(/Nothing to do|No migrations found/)
    }
  })

  it("takes the URL's connect_timeout (seconds, as libpq)", async () => {
    const run = await runCli(
      ['migrate', 'list', '--url', `${silent.url}?connect_timeout=1`, '--migrations', migrations],
      { cwd: temp.path },
    )
    expectOneLineFailure(run, connectTimeout)
  })

  it('run, sync and replicate end on --connect-timeout', async () => {
    const source = join(temp.path, 'source.db')
    new Database(source).exec('create table if not exists t (id integer primary key)')
    const commands = [
      ['run', '--from', 'synthetic', '--trades', '5', '--to', silent.url, '--yes'],
      ['sync', '--from', 'synthetic', '--trades', '5', '--to', silent.url],
      ['replicate', '--from', `sqlite:${source}`, '--to', silent.url, '--yes'],
    ]
    for (const args of commands) {
      const run = await runCli([...args, '--connect-timeout', '1'], { cwd: temp.path })
      expectOneLineFailure(run, connectTimeout)
    }
  })

  it('rejects a --connect-timeout that is not a number of seconds (exit 2)', async () => {
    const run = await runCli(['migrate', 'list', '--url', silent.url, '--connect-timeout', 'soon'], {
      cwd: temp.path,
    })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--connect-timeout soon is not a number of seconds')
  })

  it('SIGTERM/SIGINT end replicate, sync --every and run while they wait forever (--connect-timeout 0)', async () => {
    const source = join(temp.path, 'source.db')
    new Database(source).exec('create table if not exists t (id integer primary key)')
    const commands = [
      ['replicate', '--from', `sqlite:${source}`, '--to', silent.url, '--yes'],
      ['sync', '--from', 'synthetic', '--trades', '5', '--to', silent.url, '--every', '1m'],
      ['run', '--from', 'synthetic', '--trades', '5', '--to', silent.url, '--yes'],
    ]
    for (const args of commands) {
      const before = silent.connections.length
      const child = startCli([...args, '--connect-timeout', '0'], { cwd: temp.path })
      const ended = collectCli(child)
      // Wait until the command is stuck on the silent server, then ask it to stop.
      while (silent.connections.length === before) await new Promise((resolve) => setTimeout(resolve, 20))
      // sync gets Ctrl-C's SIGINT, the others SIGTERM.
      const signal = args[0] === 'sync' ? 'SIGINT' : 'SIGTERM'
      child.kill(signal)
      const run = await ended
      if (args[0] === 'run') {
        // `run` connects before it installs its handler: the signal ends it as it ends any process.
        expect(child.signalCode).toBe('SIGTERM')
        expect(run.stderr).not.toContain(PASSWORD)
      } else
        expectOneLineFailure(run, new RegExp(`stopped by ${signal}: the command did not finish within 5 s`))
    }
  })

  it('SIGTERM ends migrate while it waits forever', async () => {
    const before = silent.connections.length
    const child = startCli(
      ['migrate', 'latest', '--url', silent.url, '--migrations', migrations, '--connect-timeout', '0'],
      { cwd: temp.path },
    )
    const ended = collectCli(child)
    while (silent.connections.length === before) await new Promise((resolve) => setTimeout(resolve, 20))
    child.kill('SIGTERM')
    const run = await ended
    // migrate holds no handler: the signal ends it the way it ends any process.
    expect(child.signalCode).toBe('SIGTERM')
    expect(run.stdout).not.toMatch(/Nothing to do/)
  })

  it('keeps the URL password out of ps -ef and /proc/PID/cmdline while a command runs', async () => {
    const before = silent.connections.length
    const child = startCli(
      ['migrate', 'latest', '--url', silent.url, '--migrations', migrations, '--connect-timeout', '0'],
      { cwd: temp.path },
    )
    const ended = collectCli(child)
    while (silent.connections.length === before) await new Promise((resolve) => setTimeout(resolve, 20))
    const { execFileSync } = await import('node:child_process')
    const ps = execFileSync('ps', ['-ef'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(String(child.pid)) && line.includes('migrate'))
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
    child.kill('SIGTERM')
    await ended
    expect(ps.length).toBeGreaterThan(0)
    expect(ps.join('\n')).not.toContain(PASSWORD)
    expect(ps.join('\n')).toContain('postgres://ledger:***@127.0.0.1')
    expect(cmdline).not.toContain(PASSWORD)
  })
})

describe('--statement-timeout on a real PostgreSQL', () => {
  it('cancels a statement that runs longer and says which flag to raise', async () => {
    const database = await scratch()
    const migrations = join(temp.path, 'sleepy-migrations')
    await import('node:fs/promises').then((fs) => fs.mkdir(migrations, { recursive: true }))
    await writeFile(join(migrations, '0001_sleepy.sql'), 'select pg_sleep(30);\n')
    const run = await runCli(
      [
        'migrate',
        'latest',
        '--url',
        withPassword(database.url),
        '--migrations',
        migrations,
        '--statement-timeout',
        '1',
      ],
      { cwd: temp.path },
    )
    expectOneLineFailure(
      run,
      /ran longer than 1 s and was cancelled \(statement timeout\).*--statement-timeout/,
    )
  })
})
