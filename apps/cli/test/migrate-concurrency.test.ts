import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { connect, tableExists } from '@ledgerport/core'
import {
  createScratchDatabase,
  createTempDir,
  type ScratchDatabase,
  TEST_ENGINES,
} from '@ledgerport/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliRun, runCli, startCli } from './run-cli.js'

const ITERATIONS = 20

/** Set to a file path, the hanging migration writes it once its table exists, then waits 10 minutes. */
const HANG_ENV = 'LEDGERPORT_TEST_HANG_MARKER'

const CREATE_COUNTER = `-- migrate:up
CREATE TABLE counter (note TEXT);
-- migrate:down
DROP TABLE counter;
`
const COUNT_ONCE = `-- migrate:up
INSERT INTO counter (note) VALUES ('applied once');
-- migrate:down
DELETE FROM counter;
`
// Reads before it writes: on SQLite its transaction must upgrade a read lock, which fails at once
// (no busy wait) if a waiting process holds the write lock at that moment.
const CREATE_SIGNALS_TS = `export async function up(db) {
  const { n } = await db.selectFrom('counter').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
  await db.schema.createTable('signals').addColumn('id', 'integer', (c) => c.primaryKey()).execute()
  await db.insertInto('signals').values({ id: Number(n) }).execute()
}
export async function down(db) {
  await db.schema.dropTable('signals').execute()
}
`
const HANG_TS = `import { writeFileSync } from 'node:fs'
export async function up(db) {
  await db.schema.createTable('half_done').addColumn('id', 'integer').execute()
  const marker = process.env.${HANG_ENV}
  if (marker) {
    writeFileSync(marker, String(process.pid))
    await new Promise((resolve) => setTimeout(resolve, 600_000))
  }
}
`
const AFTER_HANG = 'CREATE TABLE after_hang (id INTEGER);\n'

interface Folders {
  /** counter table, one row inserted, a TS migration. */
  readonly race: string
  /** counter table, then a TS migration that can hang, then one more. */
  readonly hang: string
}

let root: { path: string; cleanup(): Promise<void> }
let folders: Folders

beforeAll(async () => {
  root = await createTempDir('ledgerport-concurrency-')
  folders = { race: join(root.path, 'race'), hang: join(root.path, 'hang') }
  await mkdir(folders.race)
  await writeFile(join(folders.race, '001_create_counter.sql'), CREATE_COUNTER)
  await writeFile(join(folders.race, '002_count_once.sql'), COUNT_ONCE)
  await writeFile(join(folders.race, '003_create_signals.ts'), CREATE_SIGNALS_TS)
  await mkdir(folders.hang)
  await writeFile(join(folders.hang, '001_create_counter.sql'), CREATE_COUNTER)
  await writeFile(join(folders.hang, '002_hang.ts'), HANG_TS)
  await writeFile(join(folders.hang, '003_after_hang.sql'), AFTER_HANG)
})
afterAll(() => root.cleanup())

/** Reads what a test needs to know about a database, through core's own `connect`. */
async function inspect(url: string): Promise<{ ledger: string[]; counter: number; tables: Set<string> }> {
  const connection = await connect(url)
  try {
    const has = (table: string) => tableExists(connection.db, connection.kind, table)
    const ledger = (await has('ledgerport_migrations'))
      ? (
          await connection.db.selectFrom('ledgerport_migrations').select('name').orderBy('name').execute()
        ).map((row) => String(row.name))
      : []
    const counter = (await has('counter'))
      ? Number(
          (
            await connection.db
              .selectFrom('counter')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirst()
          )?.n,
        )
      : 0
    const tables = new Set<string>()
    for (const table of ['counter', 'signals', 'half_done', 'after_hang'])
      if (await has(table)) tables.add(table)
    return { ledger, counter, tables }
  } finally {
    await connection.close()
  }
}

/** Starts `migrate latest` with the hanging migration armed and waits until it hangs inside it. */
async function startHanging(
  url: string,
  marker: string,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = startCli(['migrate', 'latest', '--url', url, '--migrations', folders.hang], {
    env: { [HANG_ENV]: marker },
  })
  let output = ''
  child.stdout!.on('data', (chunk) => {
    output += chunk
  })
  child.stderr!.on('data', (chunk) => {
    output += chunk
  })
  const deadline = Date.now() + 60_000
  while (!existsSync(marker)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`the migrating process never reached the hanging migration:\n${output}`)
    }
    await sleep(25)
  }
  return { child, output: () => output }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const closed = once(child, 'close')
  child.kill('SIGKILL')
  await closed
}

describe.each(TEST_ENGINES)('ledgerport migrate under concurrency on %s', (engine) => {
  it(`applies each migration once when two processes run migrate latest at once (${ITERATIONS} runs)`, async () => {
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const database = await createScratchDatabase(engine)
      try {
        const args = ['migrate', 'latest', '--url', database.url, '--migrations', folders.race, '--json']
        const runs: CliRun[] = await Promise.all([runCli(args), runCli(args)])
        for (const run of runs) expect(run.code, `run ${iteration}: ${run.stdout}\n${run.stderr}`).toBe(0)
        // Exactly one of the two applied the migrations; the other found nothing to do.
        const applied = runs
          .map((run) => (JSON.parse(run.stdout).databases[0].results as unknown[]).length)
          .sort()
        expect(applied, `run ${iteration}`).toEqual([0, 3])
        const state = await inspect(database.url)
        expect(state.ledger, `run ${iteration}`).toEqual([
          '001_create_counter',
          '002_count_once',
          '003_create_signals',
        ])
        expect(state.counter, `run ${iteration}`).toBe(1)
      } finally {
        await database.drop()
      }
    }
  })

  it('leaves no partial schema when a migrating process is killed, and the next run completes', async () => {
    const database = await createScratchDatabase(engine)
    const marker = join(root.path, `killed-${engine}`)
    let hanging: ChildProcess | undefined
    try {
      const started = await startHanging(database.url, marker)
      hanging = started.child
      await kill(hanging)
      expect(hanging.signalCode).toBe('SIGKILL')

      const afterKill = await inspect(database.url)
      expect(afterKill.ledger).toEqual(['001_create_counter'])
      expect(afterKill.tables).toEqual(new Set(['counter']))

      const rerun = await runCli(['migrate', 'latest', '--url', database.url, '--migrations', folders.hang])
      expect(rerun.code, `${rerun.stdout}\n${rerun.stderr}`).toBe(0)
      expect(rerun.stdout).toMatch(/002_hang\s+up\s+Success/)
      if (engine !== 'postgres') {
        // A lease row outlives its process; PostgreSQL's advisory lock died with the session.
        expect(rerun.stderr).toContain('Took over a stale migration lock')
        expect(rerun.stderr).toContain(`locked by pid ${hanging.pid} on host ${hostname()}`)
        expect(rerun.stderr).toContain('(that process is gone)')
      }
      const final = await inspect(database.url)
      expect(final.ledger).toEqual(['001_create_counter', '002_hang', '003_after_hang'])
      expect(final.tables).toEqual(new Set(['counter', 'half_done', 'after_hang']))
    } finally {
      if (hanging) await kill(hanging)
      await database.drop()
    }
  })

  it('gives up after --lock-timeout and names the holding process', async () => {
    const database: ScratchDatabase = await createScratchDatabase(engine)
    const marker = join(root.path, `held-${engine}`)
    let holder: ChildProcess | undefined
    try {
      const started = await startHanging(database.url, marker)
      holder = started.child
      const waiter = await runCli([
        'migrate',
        'latest',
        '--url',
        database.url,
        '--migrations',
        folders.hang,
        '--lock-timeout',
        '1',
      ])
      expect(waiter.code, `${waiter.stdout}\n${waiter.stderr}`).toBe(1)
      expect(waiter.stderr).toMatch(
        new RegExp(
          `locked by pid ${holder.pid} on host ${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z`,
        ),
      )
      expect(waiter.stderr).toContain('--lock-timeout')
      expect(holder.exitCode).toBeNull()
    } finally {
      if (holder) await kill(holder)
      await database.drop()
    }
  })
})
