import { promises as fs } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path, { join } from 'node:path'
import {
  connect,
  type DatabaseConnection,
  FolderMigrationProvider,
  Migrator as LedgerportMigrator,
} from '@ledgerport/core'
import { FileMigrationProvider, Migrator as KyselyMigrator } from 'kysely'
import { compare, measure } from '../measure.js'
import { type BenchRow, benchRow } from '../report.js'
import { createWorkDir } from '../work-dir.js'

const SUITE = 'migrate'
const LIST_COUNT = 1_000
const APPLY_COUNT = 200
/** Timed runs per case (after one warm-up), interleaved with the baseline's. */
const RUNS = 9

/**
 * The schema migrator:
 * - `migrate list` over 1,000 applied migrations (`Migrator.list()`), as SQL files, and as JS modules
 *   against Kysely's `Migrator.getMigrations()` on the same modules;
 * - applying 200 trivial migrations (create table) to a fresh SQLite file, against Kysely's own
 *   `Migrator` + `FileMigrationProvider` in the same process and over the same driver.
 */
export async function migrateSuite(): Promise<BenchRow[]> {
  const work = await createWorkDir(SUITE)
  try {
    return [...(await listCases(work.path)), ...(await applyCases(work.path))]
  } finally {
    await work.cleanup()
  }
}

async function listCases(root: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = []

  // ledgerport's own format: SQL files with up/down sections.
  const sqlFolder = join(root, 'list-sql')
  await writeSqlMigrations(sqlFolder, LIST_COUNT)
  const sqlDb = await connect(`sqlite:${join(root, 'list-sql.db')}`)
  try {
    const migrator = ledgerport(sqlDb, sqlFolder)
    await expectApplied(await migrator.migrateToLatest(), LIST_COUNT)
    rows.push(
      benchRow(
        SUITE,
        `list: ${LIST_COUNT} applied .sql, ledgerport`,
        await measure({ runs: RUNS, run: () => listed(migrator) }),
      ),
    )
  } finally {
    await sqlDb.close()
  }

  // JS modules, which both migrators read: Kysely's getMigrations() is the baseline.
  const jsFolder = join(root, 'list-js')
  await writeJsMigrations(jsFolder, LIST_COUNT)
  const kyselyDb = await connect(`sqlite:${join(root, 'list-kysely.db')}`)
  const ledgerportDb = await connect(`sqlite:${join(root, 'list-ledgerport.db')}`)
  try {
    const kysely = kyselyMigrator(kyselyDb, jsFolder)
    await expectApplied(await kysely.migrateToLatest(), LIST_COUNT)
    const migrator = ledgerport(ledgerportDb, jsFolder)
    await expectApplied(await migrator.migrateToLatest(), LIST_COUNT)
    const [kyselyList, ledgerportList] = await compare(
      [
        {
          run: async () => {
            const migrations = await kysely.getMigrations()
            if (migrations.filter((m) => m.executedAt).length !== LIST_COUNT)
              throw new Error('Kysely listed the wrong migrations')
          },
        },
        { run: () => listed(migrator) },
      ],
      { runs: RUNS },
    )
    const baseline = benchRow(
      SUITE,
      `list: ${LIST_COUNT} applied .mjs, Kysely getMigrations()`,
      kyselyList!,
      'self',
    )
    rows.push(
      baseline,
      benchRow(SUITE, `list: ${LIST_COUNT} applied .mjs, ledgerport`, ledgerportList!, baseline),
    )
  } finally {
    await kyselyDb.close()
    await ledgerportDb.close()
  }
  return rows
}

async function applyCases(root: string): Promise<BenchRow[]> {
  let round = 0
  // Each run gets a fresh database and a fresh copy of the modules, so neither migrator finds them
  // in the ES module cache: both pay for reading and importing 200 files, as a CLI run does.
  const fresh = async (): Promise<{ folder: string; connection: DatabaseConnection; dir: string }> => {
    const dir = join(root, `apply-${++round}`)
    const folder = join(dir, 'migrations')
    await writeJsMigrations(folder, APPLY_COUNT)
    return { dir, folder, connection: await connect(`sqlite:${join(dir, 'fresh.db')}`) }
  }
  const done = async (state: { connection: DatabaseConnection; dir: string }): Promise<void> => {
    await state.connection.close()
    await rm(state.dir, { recursive: true, force: true })
  }
  const [kyselyApply, ledgerportApply] = await compare(
    [
      {
        setup: fresh,
        run: async ({ connection, folder }) =>
          expectApplied(await kyselyMigrator(connection, folder).migrateToLatest(), APPLY_COUNT),
        teardown: done,
      },
      {
        setup: fresh,
        run: async ({ connection, folder }) =>
          expectApplied(await ledgerport(connection, folder).migrateToLatest(), APPLY_COUNT),
        teardown: done,
      },
    ],
    { runs: RUNS },
  )
  const baseline = benchRow(
    SUITE,
    `apply: ${APPLY_COUNT} create-table .mjs, Kysely Migrator`,
    kyselyApply!,
    'self',
  )
  const candidate = benchRow(
    SUITE,
    `apply: ${APPLY_COUNT} create-table .mjs, ledgerport`,
    ledgerportApply!,
    baseline,
  )
  return [baseline, candidate]
}

function ledgerport(connection: DatabaseConnection, folder: string): LedgerportMigrator {
  return new LedgerportMigrator({ connection, provider: new FolderMigrationProvider({ folder }) })
}

function kyselyMigrator(connection: DatabaseConnection, folder: string): KyselyMigrator {
  return new KyselyMigrator({
    db: connection.db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: folder }),
  })
}

async function listed(migrator: LedgerportMigrator): Promise<void> {
  const { error, migrations } = await migrator.list()
  if (error) throw error
  if (migrations.filter((m) => m.state === 'Applied').length !== LIST_COUNT)
    throw new Error('ledgerport listed the wrong migrations')
}

async function expectApplied(
  outcome: { error?: unknown; results?: ReadonlyArray<{ status: string }> },
  count: number,
): Promise<void> {
  if (outcome.error) throw outcome.error
  const applied = outcome.results?.filter((result) => result.status === 'Success').length ?? 0
  if (applied !== count) throw new Error(`expected ${count} migrations applied, got ${applied}`)
}

function number(index: number): string {
  return String(index).padStart(4, '0')
}

async function writeSqlMigrations(folder: string, count: number): Promise<void> {
  await mkdir(folder, { recursive: true })
  for (let index = 1; index <= count; index++) {
    const table = `t_${number(index)}`
    await writeFile(
      join(folder, `${number(index)}_create_${table}.sql`),
      `-- Description: create ${table}\n-- migrate:up\nCREATE TABLE ${table} (id INTEGER PRIMARY KEY, note TEXT);\n-- migrate:down\nDROP TABLE ${table};\n`,
    )
  }
}

async function writeJsMigrations(folder: string, count: number): Promise<void> {
  await mkdir(folder, { recursive: true })
  for (let index = 1; index <= count; index++) {
    const table = `t_${number(index)}`
    await writeFile(
      join(folder, `${number(index)}_create_${table}.mjs`),
      `export async function up(db) {
  await db.schema.createTable('${table}').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('note', 'text').execute()
}
export async function down(db) {
  await db.schema.dropTable('${table}').execute()
}
`,
    )
  }
}
