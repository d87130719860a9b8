import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DatabaseConnection } from '../db/connect.js'
import {
  acquireMigrationLock,
  type MigrationLock,
  MigrationLockTimeoutError,
} from '../migrate/migration-lock.js'

/** The table of run leases (SQLite/libSQL) and holder details (PostgreSQL). */
export const RUN_LOCK_TABLE = 'ledgerport_run_locks'

/** How long a data run's lease lives without a heartbeat (SQLite/libSQL), in ms. */
export const RUN_LEASE_MS = 120_000

/** Options of {@link acquireRunLock}. */
export interface RunLockOptions {
  /** What kind of work holds the lock: `run` (run, sync) or `replicate`. */
  readonly kind: 'run' | 'replicate'
  /** The source (a plugin's name, or a replicated database's redacted URL). */
  readonly source: string
  /** The source's scope (its redacted options); two scopes of one source do not exclude each other. */
  readonly scope: string
  /** How long to wait for another holder, in ms (`--lock-timeout`). */
  readonly timeoutMs: number
  /** The lock table. Default is {@link RUN_LOCK_TABLE}. */
  readonly table?: string
  /** The lease's life without a heartbeat, in ms. Default is {@link RUN_LEASE_MS}. */
  readonly leaseMs?: number
  /** Receives warnings (a stale lease of a dead process taken over). */
  readonly onWarning: (message: string) => void
}

/** A held run lock; {@link release} it when the run ends. */
export interface RunLock {
  /** Renews the lease (a no-op on PostgreSQL); throws `MigrationLockLostError` when it was taken over. */
  heartbeat(executor?: Kysely<any>): Promise<void>
  /** Releases the lock (and the PostgreSQL session that holds it). Never throws. */
  release(): Promise<void>
}

/**
 * Takes the lock of one source scope on a target, with the migrator's lock code: an advisory lock on a
 * connection pinned for the run's life (PostgreSQL; the server drops it when the process dies), or a
 * lease row with holder, pid, host and heartbeat (SQLite/libSQL; the engine's `lockStrategy` says
 * which). A second process of the same scope waits up to `timeoutMs`, then fails with
 * `… locked by pid P on host H since T`; processes of other scopes (other bots, other sources) run
 * beside it. On SQLite/libSQL the lease is renewed by a timer until {@link RunLock.release}.
 */
export async function acquireRunLock(
  connection: DatabaseConnection,
  options: RunLockOptions,
): Promise<RunLock> {
  const leaseMs = options.leaseMs ?? RUN_LEASE_MS
  const scope = options.scope.length > 160 ? `${options.scope.slice(0, 157)}...` : options.scope
  const lockOptions = {
    name: `${options.kind}:${createHash('sha256').update(`${options.source}\n${options.scope}`).digest('hex').slice(0, 32)}`,
    table: options.table ?? RUN_LOCK_TABLE,
    timeoutMs: options.timeoutMs,
    leaseMs,
    onWarning: options.onWarning,
    label: `${options.kind} lock`,
    subject: `${options.kind === 'run' ? 'Runs' : 'Replicates'} of ${options.source}${
      scope && scope !== '{}' ? ` ${scope}` : ''
    } into ${connection.displayUrl} are`,
  }
  if (connection.capabilities.lockStrategy !== 'advisory-lock') {
    const lock = await acquireMigrationLock(connection.db, connection.kind, lockOptions).catch(explain)
    let stopped = false
    let beat: Promise<void> = Promise.resolve()
    const timer = setInterval(
      () => {
        // A failed renewal is seen by the run's own heartbeat in its next batch's transaction.
        beat = lock.heartbeat().catch(() => {})
      },
      Math.max(1_000, Math.floor(leaseMs / 4)),
    )
    timer.unref()
    return {
      heartbeat: (executor) => lock.heartbeat(executor),
      release: async () => {
        if (stopped) return
        stopped = true
        clearInterval(timer)
        await beat
        await lock.release().catch(() => {})
      },
    }
  }
  // PostgreSQL: the advisory lock belongs to one session, so one pooled connection is pinned (held out
  // of the pool) from here until release, while the run's own queries use the others.
  let endSession!: () => void
  const sessionDone = new Promise<void>((resolve) => {
    endSession = resolve
  })
  let pinned!: (db: Kysely<any>) => void
  let failed!: (error: unknown) => void
  const sessionDb = new Promise<Kysely<any>>((resolve, reject) => {
    pinned = resolve
    failed = reject
  })
  const session = connection.db
    .connection()
    .execute(async (db) => {
      pinned(db)
      await sessionDone
    })
    .catch(failed)
  const db = await sessionDb
  let lock: MigrationLock
  try {
    lock = await acquireMigrationLock(db, connection.kind, lockOptions)
  } catch (error) {
    endSession()
    await session
    return explain(error)
  }
  let released = false
  return {
    heartbeat: async () => {},
    release: async () => {
      if (released) return
      released = true
      await lock.release().catch(() => {})
      endSession()
      await session
    },
  }
}

/** A timeout says what to do next; any other error is thrown unchanged. */
function explain(error: unknown): never {
  if (error instanceof MigrationLockTimeoutError)
    throw new MigrationLockTimeoutError(
      `${error.message} Let that process finish (or stop it), or pass --lock-timeout SECONDS to wait for it.`,
    )
  throw error
}
