import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** The one migration of the scratch project's migrations folder. */
export const MIGRATION_NAME = '001_house_check'

/** Writes `dir/migrations/001_house_check.sql` (a table and one row); returns the folder. */
export async function writeMigrations(dir: string): Promise<string> {
  const folder = join(dir, 'migrations')
  await mkdir(folder, { recursive: true })
  await writeFile(
    join(folder, `${MIGRATION_NAME}.sql`),
    `-- Description: house-check table
-- migrate:up
CREATE TABLE house_check_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
INSERT INTO house_check_notes (id, note) VALUES (1, 'installed alone');
-- migrate:down
DROP TABLE house_check_notes;
`,
  )
  return folder
}

/**
 * What {@link writeBrokerData}'s `trades_history.json` lands as (packages/source-json-files/README.md):
 * RELIANCE, open: 1 round trip, its buy order and fill; TCS, closed with one re-entry: 1 round trip,
 * buy, re-entry and sell orders with a fill each; one failed order: 1 rejected order, no fill.
 */
export const EXPECTED_ROWS = { round_trips: 2, orders: 5, fills: 4 } as const

/**
 * Writes `dir/data/trades_history.json` in the shape the broker bot writes it (a trimmed copy of the
 * shape in packages/source-json-files' README and test-kit's `botTradesHistory`); returns the data folder.
 * There is no `pending_orders.json`: json-files skips that stream with a warning.
 */
export async function writeBrokerData(dir: string): Promise<string> {
  const dataDir = join(dir, 'data')
  await mkdir(dataDir, { recursive: true })
  const trades = {
    trades: [
      {
        symbol: 'RELIANCE',
        placed_symbol: 'RELIANCE-EQ',
        ticker: 'RELIANCE.NS',
        entry_price: 2451.35,
        entry_time: '2025-10-27T09:15:04.218331',
        qty: 40,
        order_response: { stat: 'Ok', nOrdNo: '251024000512345', stCode: 200 },
        status: 'open',
        entry_type: 'system_recommended',
        reentries: [],
      },
      {
        symbol: 'TCS',
        placed_symbol: 'TCS-EQ',
        ticker: 'TCS.NS',
        entry_price: 3842.63,
        entry_time: '2025-10-27T09:15:00',
        qty: 28,
        order_response: { orderId: '251024000498761' },
        status: 'closed',
        entry_type: 'system_recommended',
        reentries: [{ qty: 3, level: 20, rsi: 18.7, price: 3781.2, time: '2025-10-28T09:15:02.551870' }],
        exit_price: 3900.5,
        exit_time: '2025-10-30T15:30:00',
        exit_reason: 'EMA9_TARGET',
        sell_order_id: '251030000098765',
        pnl: 1606.36,
        pnl_pct: 1.49,
      },
    ],
    failed_orders: [
      {
        symbol: 'TATAMOTORS-EQ',
        ticker: 'TATAMOTORS.NS',
        close: 688.4,
        qty: 145,
        reason: 'insufficient_balance',
        first_failed_at: '2025-10-30T16:05:12.118204',
        retry_count: 1,
        last_retry_attempt: '2025-10-31T08:45:03.004512',
      },
    ],
    last_run: '2025-10-31T16:00:07.512233+05:30',
  }
  await writeFile(join(dataDir, 'trades_history.json'), `${JSON.stringify(trades, null, 2)}\n`)
  return dataDir
}

/** Where the user program of {@link userProgram} works. */
export interface UserProgramConfig {
  readonly url: string
  readonly schema: string
  readonly migrations: string
  readonly dataDir: string
  readonly cwd: string
  readonly rejectsFile: string
}

/**
 * A user's TypeScript program (ESM, `.mts`) over the installed packages: applies the migrations folder
 * with core's `Migrator` on a `connect()`ed database, then migrates the json-files source into the
 * PostgreSQL target with `DataMigrator`. It uses no Node.js globals (the scratch project has no
 * `@types/node` unless a package brings it), so whatever `tsc` reports is about the packages' own
 * declarations. It fails by throwing, so node exits non-zero with the error.
 */
export function userProgram(config: UserProgramConfig): string {
  return `import {
  connect,
  DataMigrator,
  FolderMigrationProvider,
  Migrator,
  type PluginContext,
} from '@ledgerport/core'
import { type JsonFilesOptions, source } from '@ledgerport/source-json-files'
import { target } from '@ledgerport/target-postgres'

const config = ${JSON.stringify(config, null, 2)} as const

const connection = await connect(config.url, { schema: config.schema })
try {
  const migrator = new Migrator({
    connection,
    provider: new FolderMigrationProvider({ folder: config.migrations }),
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error
  if (results.length !== 1 || results[0]?.status !== 'Success')
    throw new Error(\`expected one migration applied, got \${JSON.stringify(results)}\`)
} finally {
  await connection.close()
}

const warnings: string[] = []
const context: PluginContext = {
  timezone: 'Asia/Kolkata',
  batchSize: 100,
  cwd: config.cwd,
  warn: (message: string) => {
    warnings.push(message)
  },
}
const options: JsonFilesOptions = { dataDir: config.dataDir }
const into = await target.create(config.url, { schema: config.schema }, context)
try {
  await into.prepare()
  const from = await source.create(options, context)
  try {
    const result = await new DataMigrator({
      source: from,
      sourceName: source.name,
      scope: config.dataDir,
      target: into,
      timeZone: context.timezone,
      rejectsFile: config.rejectsFile,
    }).run()
    if (result.error) throw result.error
    if (result.totals.rejected !== 0) throw new Error(\`rejected: \${JSON.stringify(result.results)}\`)
  } finally {
    await from.close()
  }
} finally {
  await into.close()
}
`
}
