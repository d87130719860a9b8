import {
  backupDatabaseFile,
  connect,
  FolderMigrationProvider,
  loadConfig,
  type MigrationResultSet,
  Migrator,
  redactSecrets,
  redactUrl,
  type SelectedDatabase,
  selectDatabases,
} from '@ledgerport/core'
import { missingLocalFile, removeCreatedFile } from './local-database-file.js'
import type { DatabaseOptions } from './options/database-options.js'
import { timeoutConnectOptions } from './options/timeout-options.js'
import { UsageError } from './output/exit-code.js'

/** What one database's command produced: the stable `--json` shape of each entry in `databases`. */
export interface DatabaseReport {
  /** Config name, file path (`--glob`) or `default`. */
  readonly name: string
  /** Redacted URL. */
  readonly url: string
  /** False when the command failed on this database. */
  readonly ok: boolean
  /** Why it failed. */
  readonly error?: string
  /** Path of the `--backup` copy. */
  readonly backup?: string
  /** Warnings. */
  readonly warnings: ReadonlyArray<string>
  /** The command's own output for this database. */
  readonly [key: string]: unknown
}

/** What a command computes for one database. */
export type MigratorWork = (
  migrator: Migrator,
  database: SelectedDatabase,
) => Promise<{
  resultSet?: MigrationResultSet
  report?: Record<string, unknown>
  ok?: boolean
  error?: string
}>

/**
 * Runs `work` once per selected database (`--url`, `--db`, `--all`, `--glob`, or the default),
 * each with its own connection, always closed. A failing database does not stop the others.
 */
export async function usingMigrators(
  options: DatabaseOptions,
  work: MigratorWork,
  behaviour: {
    backup?: boolean
    /**
     * The command only reads (`list`, `plan`, `verify`): a local SQLite/libSQL file that does not
     * exist is not left behind (opening it creates it), and the report says it does not exist.
     */
    readOnly?: boolean
  } = {},
): Promise<DatabaseReport[]> {
  const loaded = await loadConfig(process.cwd(), options.config)
  let databases: SelectedDatabase[]
  try {
    databases = await selectDatabases(loaded, {
      ...(options.url ? { url: options.url } : {}),
      ...(options.migrations ? { migrations: options.migrations } : {}),
      ...(options.db ? { db: options.db } : {}),
      ...(options.all ? { all: true } : {}),
      ...(options.glob ? { glob: options.glob } : {}),
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  // Flags first, then the config file's `migrations` settings, then the defaults.
  const settings = loaded.config.migrations ?? {}
  const lockTimeoutMs =
    options.lockTimeout !== undefined
      ? Number(options.lockTimeout) * 1000
      : (settings.lockTimeoutMs ?? 60_000)
  if (!Number.isFinite(lockTimeoutMs) || lockTimeoutMs < 0)
    throw new UsageError(
      options.lockTimeout !== undefined
        ? `--lock-timeout ${options.lockTimeout} is not a number of seconds.`
        : `migrations.lockTimeoutMs in ${loaded.file} is not a number of milliseconds.`,
    )
  const timeouts = timeoutConnectOptions(options)
  const tableName = options.table ?? settings.tableName ?? 'ledgerport_migrations'
  const allowUnordered = options.allowUnordered ?? settings.allowUnordered ?? false
  const reports: DatabaseReport[] = []
  for (const database of databases) {
    const url = redactUrl(database.url)
    let secrets: ReadonlyArray<string> = []
    const missingFile = behaviour.readOnly ? missingLocalFile(database.url) : undefined
    try {
      const authToken = options.authToken ?? database.authToken
      const schema = options.schema ?? database.schema
      const connection = await connect(database.url, {
        ...timeouts,
        ...(authToken ? { authToken } : {}),
        ...(schema ? { schema } : {}),
      })
      secrets = connection.secrets
      try {
        const backup = behaviour.backup && options.backup ? await backupDatabaseFile(connection) : undefined
        const migrator = new Migrator({
          connection,
          provider: new FolderMigrationProvider({ folder: database.migrations }),
          migrationTableName: tableName,
          lockTimeoutMs,
          allowUnorderedMigrations: Boolean(allowUnordered),
        })
        const outcome = await work(migrator, database)
        const error = outcome.error ?? outcome.resultSet?.error?.message
        reports.push({
          name: database.name,
          url,
          ok: outcome.ok ?? !error,
          ...(error ? { error: redactSecrets(error, secrets) } : {}),
          ...(backup ? { backup } : {}),
          warnings: [
            ...(missingFile
              ? [
                  `${missingFile} does not exist; it was not created (migrate latest creates it). Every migration is pending.`,
                ]
              : []),
            ...(outcome.resultSet?.warnings ?? []),
          ],
          ...(outcome.resultSet ? { results: outcome.resultSet.results } : {}),
          ...outcome.report,
        })
      } finally {
        await connection.close()
        if (missingFile) removeCreatedFile(missingFile, { onlyIfEmpty: true })
      }
    } catch (error) {
      reports.push({
        name: database.name,
        url,
        ok: false,
        error: redactSecrets((error as Error).message, secrets),
        warnings: [],
      })
    }
  }
  return reports
}
