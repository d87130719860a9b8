import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { type Kysely, sql } from 'kysely'
import { connect, type DatabaseConnection } from '../db/connect.js'
import { redactSecrets } from '../db/connection-url.js'
import { engineOf } from '../engines/index.js'
import { checksumText } from './checksum.js'
import { importLegacyHistory, type LegacyHistoryEntry } from './legacy-history.js'
import {
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  type Migration,
  type MigrationProvider,
  NO_MIGRATIONS,
  type ProvidedMigration,
} from './migration.js'
import { type LedgerEntry, MigrationLedger } from './migration-ledger.js'
import { acquireMigrationLock, type MigrationLock } from './migration-lock.js'
import { isTransactionControl } from './split-sql-statements.js'

/** Constructor input of {@link Migrator}. */
export interface MigratorProps {
  /** The database to migrate. The migrator never closes it. */
  readonly connection: DatabaseConnection
  /** Where migrations come from: a {@link FolderMigrationProvider}, or any Kysely `MigrationProvider`. */
  readonly provider: MigrationProvider
  /** The ledger table. Default is `ledgerport_migrations`. */
  readonly migrationTableName?: string
  /** The lock table. Default is `ledgerport_migrations_lock`. */
  readonly migrationLockTableName?: string
  /** How long to wait for another process's lock, in ms. Default is `60000`. */
  readonly lockTimeoutMs?: number
  /** SQLite/libSQL lease length, in ms; the lease is renewed before each migration. Default is `600000`. */
  readonly leaseMs?: number
  /** Apply a pending migration that sorts before an applied one. Default is `false` (refused). */
  readonly allowUnorderedMigrations?: boolean
}

/** Where a migration stands, as `migrate list` shows it. */
export type MigrationState = 'Applied' | 'Pending' | 'Changed' | 'Missing'

/** One row of `migrate list`. */
export interface MigrationInfo {
  /** Migration name. */
  readonly name: string
  /** Applied; pending; applied but edited since (checksums differ); applied but its file is gone. */
  readonly state: MigrationState
  /** The migration file, when it exists. */
  readonly file?: string
  /** Description from the file, else from the ledger. */
  readonly description?: string
  /** Checksum of the file now. */
  readonly checksum?: string
  /** Checksum recorded when it was applied. */
  readonly appliedChecksum?: string
  /** When it was applied. */
  readonly appliedAt?: string
  /** How long it took. */
  readonly executionMs?: number
  /** Who applied it. */
  readonly appliedBy?: string
  /** Whether it can be migrated down. */
  readonly reversible: boolean
}

/** The outcome of one migration in a run. */
export interface MigrationResult {
  /** Migration name. */
  readonly migrationName: string
  /** The direction it ran (or would have run). */
  readonly direction: 'Up' | 'Down'
  /**
   * `Success`: ran (or, for `plan`, was rehearsed); `Error`: failed, nothing of it remains;
   * `NotExecuted`: not reached because an earlier one failed; `Baselined`: marked applied without running;
   * `Repaired`: ledger row fixed by `repair`; `Verified`/`VerifyFailed`: outcome of `verify`.
   */
  readonly status:
    | 'Success'
    | 'Error'
    | 'NotExecuted'
    | 'Baselined'
    | 'Repaired'
    | 'Verified'
    | 'VerifyFailed'
  /** How long it took, in ms. */
  readonly executionMs?: number
  /** For `plan`: the SQL statements it ran during rehearsal. */
  readonly sql?: ReadonlyArray<string>
  /** A note: why it failed, what `repair` did, or why `plan` could not rehearse it. */
  readonly message?: string
}

/** What every migrator method returns. Like Kysely's, the methods never throw. */
export interface MigrationResultSet {
  /** Set when the run failed; `results` then says how far it got. */
  readonly error?: MigrationError
  /** One result per migration touched, in the order they ran. */
  readonly results: ReadonlyArray<MigrationResult>
  /** Warnings worth showing (a stale lock taken over, legacy history imported). */
  readonly warnings: ReadonlyArray<string>
}

/** The result of {@link Migrator.list}. */
export interface MigrationListResult {
  /** Set when the migrations could not be read. */
  readonly error?: MigrationError
  /** Every migration known to the folder or the ledger, in name order. */
  readonly migrations: ReadonlyArray<MigrationInfo>
}

/** Why a migrator run failed. `migrationName`, `file` and `sql` say where, when known. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError'
  /** The migration that failed. */
  readonly migrationName?: string
  /** Its file. */
  readonly file?: string
  /** The statement that failed. */
  readonly sql?: string

  constructor(
    message: string,
    details: { migrationName?: string; file?: string; sql?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    if (details.migrationName) this.migrationName = details.migrationName
    if (details.file) this.file = details.file
    if (details.sql) this.sql = details.sql
  }
}

interface Step {
  readonly name: string
  readonly direction: 'Up' | 'Down'
  readonly migration: ProvidedMigration
  readonly checksum: string
}

type Target =
  | { readonly kind: 'latest' }
  | { readonly kind: 'up' | 'down'; readonly count: number }
  | {
      readonly kind: 'to'
      readonly name: string | typeof NO_MIGRATIONS
    }

class RehearsalRollback extends Error {}

/**
 * Applies, reverts, plans, baselines, repairs and verifies schema migrations on PostgreSQL, SQLite and
 * libSQL. Shaped like Kysely's `Migrator`: every method returns a result set and never throws.
 *
 * ```ts
 * const migrator = new Migrator({ connection, provider: new FolderMigrationProvider({ folder: 'migrations' }) })
 * const { error, results } = await migrator.migrateToLatest()
 * ```
 */
export class Migrator {
  readonly #props: MigratorProps
  readonly #ledger: MigrationLedger
  readonly #table: string

  constructor(props: MigratorProps) {
    this.#props = Object.freeze({ ...props })
    this.#table = props.migrationTableName ?? DEFAULT_MIGRATION_TABLE
    this.#ledger = new MigrationLedger(props.connection.kind, this.#table)
  }

  /** Every migration with its state: applied, pending, changed since applied, missing on disk. */
  async list(): Promise<MigrationListResult> {
    try {
      const [migrations, ledger] = await Promise.all([this.#migrations(), this.#ledger.read(this.#db)])
      return { migrations: describe(migrations, ledger) }
    } catch (error) {
      return { error: this.#wrap(error), migrations: [] }
    }
  }

  /** Applies every pending migration. */
  migrateToLatest(): Promise<MigrationResultSet> {
    return this.#migrate({ kind: 'latest' })
  }

  /** Applies the next `count` pending migrations. Default is one. */
  migrateUp(count = 1): Promise<MigrationResultSet> {
    return this.#migrate({ kind: 'up', count })
  }

  /** Reverts the last `count` applied migrations. Default is one. */
  migrateDown(count = 1): Promise<MigrationResultSet> {
    return this.#migrate({ kind: 'down', count })
  }

  /**
   * Migrates up or down until `name` is the last applied migration; {@link NO_MIGRATIONS} reverts all.
   */
  migrateTo(name: string | typeof NO_MIGRATIONS): Promise<MigrationResultSet> {
    return this.#migrate({ kind: 'to', name })
  }

  /**
   * Works out what `migrateToLatest` (or another target) would run and rehearses it, returning each
   * migration's SQL. The database is unchanged afterwards: SQLite and libSQL files are rehearsed on a
   * temporary copy; PostgreSQL and remote libSQL inside a transaction that is rolled back.
   */
  async plan(
    target:
      | { kind: 'latest' }
      | { kind: 'up' | 'down'; count: number }
      | { kind: 'to'; name: string | typeof NO_MIGRATIONS } = {
      kind: 'latest',
    },
  ): Promise<MigrationResultSet> {
    const connection = this.#props.connection
    if (connection.path && connection.path !== ':memory:') return this.#planOnCopy(target)
    const warnings: string[] = []
    try {
      const migrations = await this.#migrations()
      const ledger = await this.#ledger.read(this.#db)
      const steps = this.#steps(target, migrations, ledger)
      const results: MigrationResult[] = []
      await this.#db
        .transaction()
        .execute(async (trx) => {
          for (const step of steps) {
            if (step.migration.transaction === false) {
              results.push({
                migrationName: step.name,
                direction: step.direction,
                status: 'NotExecuted',
                ...(step.migration.statements ? { sql: statementsOf(step) } : {}),
                message:
                  'Runs outside a transaction, so it was not rehearsed; the SQL shown is from its file.',
              })
              continue
            }
            const captured = await this.#capture(() => runStep(trx, step))
            results.push({
              migrationName: step.name,
              direction: step.direction,
              status: 'Success',
              sql: captured,
            })
          }
          throw new RehearsalRollback()
        })
        .catch((error) => {
          if (!(error instanceof RehearsalRollback)) throw error
        })
      return { results, warnings }
    } catch (error) {
      return { error: this.#wrap(error), results: [], warnings }
    }
  }

  /**
   * Adopts an existing database. Imports history kept by other tools (Kysely's `kysely_migration`,
   * a `schema_migrations(version, …)` or `schema_version(version, …)` table) for the migrations it
   * names, then marks every migration up to and including `name` as applied without running it.
   */
  async baseline(name?: string): Promise<MigrationResultSet> {
    return this.#locked(async (db, warnings) => {
      const migrations = await this.#migrations()
      const names = Object.keys(migrations).sort()
      if (name !== undefined && !migrations[name]) {
        throw new MigrationError(
          `There is no migration named ${name}. Run \`migrate list\` to see the names.`,
        )
      }
      const ledger = await this.#ledger.read(db)
      const applied = new Set(ledger.map((entry) => entry.name))
      const legacy = await importLegacyHistory(db, this.#props.connection.kind, names)
      if (legacy.source)
        warnings.push(`Imported ${legacy.entries.size} applied migrations from ${legacy.source}.`)
      const results: MigrationResult[] = []
      for (const migrationName of names) {
        const entry: LegacyHistoryEntry | undefined = legacy.entries.get(migrationName)
        const throughName = name !== undefined && migrationName <= name
        if (applied.has(migrationName) || (!entry && !throughName)) continue
        const migration = migrations[migrationName]!
        await this.#ledger.insert(db, {
          name: migrationName,
          checksum: checksumOf(migration),
          description: migration.description ?? entry?.description ?? 'baseline',
          appliedAt: entry?.appliedAt ?? new Date().toISOString(),
          executionMs: entry?.executionMs ?? 0,
        })
        results.push({
          migrationName,
          direction: 'Up',
          status: 'Baselined',
          message: entry ? `from ${legacy.source}` : 'marked applied without running',
        })
      }
      return results
    })
  }

  /** Accepts the current checksum of edited migrations and forgets ledger rows whose files are gone. */
  async repair(): Promise<MigrationResultSet> {
    return this.#locked(async (db) => {
      const migrations = await this.#migrations()
      const results: MigrationResult[] = []
      for (const entry of await this.#ledger.read(db)) {
        const migration = migrations[entry.name]
        if (!migration) {
          await this.#ledger.delete(db, entry.name)
          results.push({
            migrationName: entry.name,
            direction: 'Up',
            status: 'Repaired',
            message: 'file is gone: ledger row removed',
          })
        } else if (!checksumMatches(migration, entry.checksum)) {
          await this.#ledger.updateChecksum(db, entry.name, checksumOf(migration))
          results.push({
            migrationName: entry.name,
            direction: 'Up',
            status: 'Repaired',
            message: `checksum ${short(entry.checksum)} → ${short(checksumOf(migration))} accepted`,
          })
        }
      }
      return results
    })
  }

  /** Checks every applied migration: its checksum still matches, and its `verify(db)` passes. */
  async verify(): Promise<MigrationResultSet> {
    const warnings: string[] = []
    try {
      const migrations = await this.#migrations()
      const results: MigrationResult[] = []
      for (const entry of await this.#ledger.read(this.#db)) {
        const migration = migrations[entry.name]
        const fail = (message: string): void => {
          results.push({ migrationName: entry.name, direction: 'Up', status: 'VerifyFailed', message })
        }
        if (!migration) fail('applied, but its file is missing')
        else if (!checksumMatches(migration, entry.checksum)) {
          fail(
            `edited since applied: checksum ${short(entry.checksum)} applied, ${short(checksumOf(migration))} now`,
          )
        } else if (migration.verify) {
          try {
            const ok = await migration.verify(this.#db)
            if (ok === false) fail('verify(db) returned false')
            else
              results.push({
                migrationName: entry.name,
                direction: 'Up',
                status: 'Verified',
                message: 'checksum and verify(db) ok',
              })
          } catch (error) {
            fail(`verify(db) threw: ${(error as Error).message}`)
          }
        } else
          results.push({
            migrationName: entry.name,
            direction: 'Up',
            status: 'Verified',
            message: 'checksum ok',
          })
      }
      const failed = results.filter((result) => result.status === 'VerifyFailed')
      return {
        results,
        warnings,
        ...(failed.length
          ? {
              error: new MigrationError(
                `${failed.length} migration(s) failed verification: ${failed.map((r) => r.migrationName).join(', ')}.`,
              ),
            }
          : {}),
      }
    } catch (error) {
      return { error: this.#wrap(error), results: [], warnings }
    }
  }

  get #db(): Kysely<any> {
    return this.#props.connection.db
  }

  async #migrate(target: Target): Promise<MigrationResultSet> {
    let results: MigrationResult[] = []
    const outcome = await this.#locked(async (db, _warnings, lock) => {
      const migrations = await this.#migrations()
      const steps = this.#steps(target, migrations, await this.#ledger.read(db))
      results = steps.map((step) => ({
        migrationName: step.name,
        direction: step.direction,
        status: 'NotExecuted',
      }))
      for (const [index, step] of steps.entries()) {
        await lock.heartbeat()
        const started = performance.now()
        let failedSql: string | undefined
        const stop = this.#props.connection.onQuery((event) => {
          if (event.level === 'error') failedSql = event.query.sql
        })
        try {
          await this.#apply(db, step, lock)
        } catch (error) {
          results[index] = { migrationName: step.name, direction: step.direction, status: 'Error' }
          const where = step.migration.file ?? step.name
          const message = `Migration ${where} failed (${step.direction.toLowerCase()}): ${(error as Error).message}${
            failedSql ? `\n  SQL: ${failedSql.trim()}` : ''
          }\n  Nothing of it was kept${step.migration.transaction === false ? ' except what it did outside a transaction' : ''}; fix it and run again.`
          throw new MigrationError(message, {
            migrationName: step.name,
            ...(step.migration.file ? { file: step.migration.file } : {}),
            ...(failedSql ? { sql: failedSql } : {}),
            cause: error,
          })
        } finally {
          stop()
        }
        results[index] = {
          migrationName: step.name,
          direction: step.direction,
          status: 'Success',
          executionMs: Math.round(performance.now() - started),
        }
      }
      return results
    })
    return outcome.error ? { ...outcome, results } : outcome
  }

  async #apply(db: Kysely<any>, step: Step, lock: MigrationLock): Promise<void> {
    const started = performance.now()
    const record = async (executor: Kysely<any>): Promise<void> => {
      if (step.direction === 'Down') return this.#ledger.delete(executor, step.name)
      await this.#ledger.insert(executor, {
        name: step.name,
        checksum: step.checksum,
        description: step.migration.description ?? null,
        appliedAt: new Date().toISOString(),
        executionMs: performance.now() - started,
      })
    }
    if (step.migration.transaction === false) {
      await runStep(db, step)
      await record(db)
      await lock.heartbeat()
      return
    }
    await db.transaction().execute(async (trx) => {
      await runStep(trx, step)
      // Renewed in the migration's own transaction: a migration longer than the lease commits it
      // fresh, so a process that waited for SQLite's write lock finds it held, not expired.
      await lock.heartbeat(trx)
      await record(trx)
    })
  }

  /** Runs `work` on one pinned connection holding the migration lock, ledger ensured. */
  async #locked(
    work: (db: Kysely<any>, warnings: string[], lock: MigrationLock) => Promise<MigrationResult[]>,
  ): Promise<MigrationResultSet> {
    const warnings: string[] = []
    try {
      const results = await this.#db.connection().execute(async (db) => {
        const lock = await acquireMigrationLock(db, this.#props.connection.kind, {
          name: this.#table,
          table: this.#props.migrationLockTableName ?? DEFAULT_MIGRATION_LOCK_TABLE,
          timeoutMs: this.#props.lockTimeoutMs ?? 60_000,
          leaseMs: this.#props.leaseMs ?? 600_000,
          onWarning: (message) => warnings.push(message),
        })
        try {
          await this.#ledger.ensure(db)
          return await work(db, warnings, lock)
        } finally {
          await lock.release()
        }
      })
      return { results, warnings }
    } catch (error) {
      return { error: this.#wrap(error), results: [], warnings }
    }
  }

  async #planOnCopy(target: Target): Promise<MigrationResultSet> {
    const dir = await mkdtemp(join(tmpdir(), 'ledgerport-plan-'))
    const copy = join(dir, 'rehearsal.db')
    let rehearsal: DatabaseConnection | undefined
    try {
      await sql.raw(`VACUUM INTO '${copy.replace(/'/g, "''")}'`).execute(this.#db)
      const connection = this.#props.connection
      rehearsal = await connect(engineOf(connection.kind).fileUrl(copy))
      const captured = new Map<string, string[]>()
      let current: string[] | undefined
      rehearsal.onQuery((event) => {
        if (current && event.level === 'query' && !isTransactionControl(event.query.sql))
          current.push(event.query.sql)
      })
      const migrator = new Migrator({ ...this.#props, connection: rehearsal })
      const migrations = await this.#migrations()
      const steps = this.#steps(target, migrations, await this.#ledger.read(this.#db))
      const results: MigrationResult[] = []
      const warnings: string[] = []
      await rehearsal.db.connection().execute(async (db) => {
        await migrator.#ledger.ensure(db)
        for (const step of steps) {
          current = []
          captured.set(step.name, current)
          const started = performance.now()
          await migrator.#applyCaptured(
            db,
            step,
            () => {
              current = undefined
            },
            () => {
              current = captured.get(step.name)
            },
          )
          results.push({
            migrationName: step.name,
            direction: step.direction,
            status: 'Success',
            executionMs: Math.round(performance.now() - started),
            sql: captured.get(step.name) ?? [],
          })
        }
      })
      return { results, warnings }
    } catch (error) {
      return { error: this.#wrap(error), results: [], warnings: [] }
    } finally {
      await rehearsal?.close()
      await rm(dir, { recursive: true, force: true })
    }
  }

  /** Applies a step, pausing SQL capture around ledger bookkeeping. */
  async #applyCaptured(db: Kysely<any>, step: Step, pause: () => void, resume: () => void): Promise<void> {
    const body = async (executor: Kysely<any>): Promise<void> => {
      await runStep(executor, step)
      pause()
      if (step.direction === 'Down') await this.#ledger.delete(executor, step.name)
      else {
        await this.#ledger.insert(executor, {
          name: step.name,
          checksum: step.checksum,
          description: null,
          appliedAt: new Date().toISOString(),
          executionMs: 0,
        })
      }
      resume()
    }
    if (step.migration.transaction === false) return body(db)
    await db.transaction().execute(body)
  }

  async #capture(work: () => Promise<void>): Promise<string[]> {
    const statements: string[] = []
    const stop = this.#props.connection.onQuery((event) => {
      if (event.level === 'query' && !isTransactionControl(event.query.sql)) statements.push(event.query.sql)
    })
    try {
      await work()
    } finally {
      stop()
    }
    return statements
  }

  async #migrations(): Promise<Record<string, ProvidedMigration>> {
    return (await this.#props.provider.getMigrations()) as Record<string, ProvidedMigration>
  }

  /** Works out which migrations run, in order, and refuses what must not run. */
  #steps(
    target: Target,
    migrations: Record<string, ProvidedMigration>,
    ledger: ReadonlyArray<LedgerEntry>,
  ): Step[] {
    const names = Object.keys(migrations).sort()
    const applied = new Map(ledger.map((entry) => [entry.name, entry]))
    const problems: string[] = []
    for (const entry of ledger) {
      const migration = migrations[entry.name]
      if (!migration) problems.push(`${entry.name} was applied but its file is missing`)
      else if (!checksumMatches(migration, entry.checksum)) {
        problems.push(
          `${migration.file ?? entry.name} was edited after it was applied (checksum ${short(entry.checksum)} applied, ${short(checksumOf(migration))} now)`,
        )
      }
    }
    if (problems.length) {
      throw new MigrationError(
        `Refusing to migrate:\n  - ${problems.join('\n  - ')}\nRevert the edit, or run \`ledgerport migrate repair\` to accept the files as they are.`,
      )
    }
    const pending = names.filter((name) => !applied.has(name))
    const lastApplied = [...applied.keys()].sort().at(-1)
    const unordered = lastApplied === undefined ? [] : pending.filter((name) => name < lastApplied)
    if (unordered.length && !this.#props.allowUnorderedMigrations) {
      throw new MigrationError(
        `Pending migration(s) ${unordered.join(', ')} sort before the applied ${lastApplied}. Rename them to sort last, or pass --allow-unordered to apply them anyway.`,
      )
    }
    const up = (list: string[]): Step[] =>
      list.map((name) => ({
        name,
        direction: 'Up',
        migration: migrations[name]!,
        checksum: checksumOf(migrations[name]!),
      }))
    const down = (list: string[]): Step[] => {
      const steps = list.map(
        (name): Step => ({ name, direction: 'Down', migration: migrations[name]!, checksum: '' }),
      )
      const irreversible = steps.filter((step) => !step.migration.down)
      if (irreversible.length) {
        throw new MigrationError(
          `Cannot migrate down: ${irreversible.map((s) => s.migration.file ?? s.name).join(', ')} has no down migration (add a down(db) export, a -- migrate:down section or a rollback/ file). Nothing was run.`,
        )
      }
      return steps
    }
    const appliedDesc = [...applied.keys()].sort().reverse()
    switch (target.kind) {
      case 'latest':
        return up(pending)
      case 'up':
        return up(pending.slice(0, target.count))
      case 'down':
        return down(appliedDesc.slice(0, target.count))
      case 'to': {
        if (target.name === NO_MIGRATIONS) return down(appliedDesc)
        const name = target.name
        if (!migrations[name])
          throw new MigrationError(
            `There is no migration named ${name}. Run \`migrate list\` to see the names.`,
          )
        if (applied.has(name)) return down(appliedDesc.filter((n) => n > name))
        return up(pending.filter((n) => n <= name))
      }
    }
  }

  #wrap(error: unknown): MigrationError {
    const secrets = this.#props.connection.secrets
    if (error instanceof MigrationError) {
      const clean = redactSecrets(error.message, secrets)
      if (clean === error.message) return error
      return new MigrationError(clean, {
        ...(error.migrationName ? { migrationName: error.migrationName } : {}),
        ...(error.file ? { file: error.file } : {}),
        ...(error.sql ? { sql: error.sql } : {}),
      })
    }
    const message = error instanceof Error ? error.message : String(error)
    return new MigrationError(redactSecrets(message, secrets), { cause: error })
  }
}

/** Turns folder migrations and the ledger into the rows of `migrate list`. */
function describe(
  migrations: Record<string, ProvidedMigration>,
  ledger: ReadonlyArray<LedgerEntry>,
): MigrationInfo[] {
  const applied = new Map(ledger.map((entry) => [entry.name, entry]))
  const names = [...new Set([...Object.keys(migrations), ...applied.keys()])].sort()
  return names.map((name): MigrationInfo => {
    const migration = migrations[name]
    const entry = applied.get(name)
    const checksum = migration ? checksumOf(migration) : undefined
    const state: MigrationState = !entry
      ? 'Pending'
      : !migration
        ? 'Missing'
        : checksumMatches(migration, entry.checksum)
          ? 'Applied'
          : 'Changed'
    const description = migration?.description ?? entry?.description ?? undefined
    return {
      name,
      state,
      reversible: Boolean(migration?.down),
      ...(migration?.file ? { file: migration.file } : {}),
      ...(description ? { description } : {}),
      ...(checksum ? { checksum } : {}),
      ...(entry
        ? {
            appliedChecksum: entry.checksum,
            appliedAt: entry.appliedAt,
            executionMs: entry.executionMs,
            appliedBy: entry.appliedBy,
          }
        : {}),
    }
  })
}

async function runStep(db: Kysely<any>, step: Step): Promise<void> {
  if (step.direction === 'Up') await step.migration.up(db)
  else await step.migration.down!(db)
}

function statementsOf(step: Step): string[] {
  const statements = step.migration.statements
  return [...((step.direction === 'Up' ? statements?.up : statements?.down) ?? [])]
}

function checksumOf(migration: Migration & { checksum?: string }): string {
  return migration.checksum ?? checksumText(`${migration.up.toString()}\n${migration.down?.toString() ?? ''}`)
}

/** Whether a ledger row's checksum is the migration's, by the current rule or an older one. */
function checksumMatches(migration: ProvidedMigration, stored: string): boolean {
  return stored === checksumOf(migration) || Boolean(migration.acceptedChecksums?.includes(stored))
}

function short(checksum: string): string {
  return checksum.slice(0, 12)
}
