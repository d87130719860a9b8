import { createHash } from 'node:crypto'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Kysely, sql } from 'kysely'
import type { DatabaseKind } from '../db/connection-url.js'
import { capabilitiesOf } from '../engines/index.js'

/** Options of {@link acquireMigrationLock}. */
export interface MigrationLockOptions {
  /** The lock's name (the ledger table's name, so each ledger has its own lock). */
  readonly name: string
  /** The table that holds leases (SQLite/libSQL) and holder details (PostgreSQL). */
  readonly table: string
  /** How long to wait for another holder, in ms. */
  readonly timeoutMs: number
  /** How long a SQLite/libSQL lease lives without a heartbeat, in ms. */
  readonly leaseMs: number
  /** Receives warnings (a stale lease taken over). */
  readonly onWarning: (message: string) => void
  /**
   * What is locked, as the start of a sentence ending in `locked by pid P on host H since T`.
   * Default is `The migrations are`; a data run says which source and scope it is.
   */
  readonly subject?: string
  /** What the lock is called in warnings and errors. Default is `migration lock`. */
  readonly label?: string
}

/** A held migration lock. */
export interface MigrationLock {
  /**
   * Extends a lease (SQLite/libSQL), through `executor` when given (a migration's transaction, so the
   * lease commits fresh with it); a no-op on PostgreSQL, whose lock lives as long as the session.
   *
   * @throws {MigrationLockLostError} when another process took the lease over (it had expired).
   */
  heartbeat(executor?: Kysely<any>): Promise<void>
  /** Releases the lock. */
  release(): Promise<void>
}

/** Thrown when the lock could not be had within the timeout. */
export class MigrationLockTimeoutError extends Error {
  override readonly name = 'MigrationLockTimeoutError'
}

/** Thrown when a lease expired and another process took the lock over: stop migrating. */
export class MigrationLockLostError extends Error {
  override readonly name = 'MigrationLockLostError'
}

const LOCK_CLASS = 0x4c50 // 'LP': the first key of ledgerport's two-key advisory locks

/**
 * Takes the migration lock on a pinned connection: a PostgreSQL advisory lock (released when the
 * session ends, so a killed process never leaves it behind), or a lease row on SQLite/libSQL with
 * holder, expiry and heartbeat. A lease whose holder is gone (expired, or a dead pid on this host)
 * is taken over with a warning. On timeout the error says who holds the lock and since when.
 */
export async function acquireMigrationLock(
  db: Kysely<any>,
  kind: DatabaseKind,
  options: MigrationLockOptions,
): Promise<MigrationLock> {
  return capabilitiesOf(kind).lockStrategy === 'advisory-lock'
    ? acquireAdvisoryLock(db, options)
    : acquireLease(db, options)
}

interface Holder {
  readonly pid: number
  readonly host: string
  readonly acquired_at: string
  readonly expires_at: string
}

async function acquireAdvisoryLock(db: Kysely<any>, options: MigrationLockOptions): Promise<MigrationLock> {
  const key = lockKey(options.name)
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    const { rows } = await sql<{
      ok: boolean
    }>`select pg_try_advisory_lock(${LOCK_CLASS}, ${key}) as ok`.execute(db)
    if (rows[0]?.ok) break
    if (Date.now() >= deadline) {
      const holder = await readHolder(db, options.table, options.name)
      throw new MigrationLockTimeoutError(
        `${heldBy(holder, options)}; gave up after ${options.timeoutMs} ms (--lock-timeout).`,
      )
    }
    await sleep(100)
  }
  await ensureLockTable(db, options.table, true)
  await writeHolder(db, options, new Date())
  return {
    heartbeat: async () => {},
    release: async () => {
      await db.deleteFrom(options.table).where('name', '=', options.name).execute()
      await sql`select pg_advisory_unlock(${LOCK_CLASS}, ${key})`.execute(db)
    },
  }
}

async function acquireLease(db: Kysely<any>, options: MigrationLockOptions): Promise<MigrationLock> {
  await ensureLockTable(db, options.table, false)
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    // Look before asking for SQLite's write lock: a live holder keeps it for each migration's
    // transaction, so a waiter asking for it would wait out busy_timeout and fail with SQLITE_BUSY
    // instead of honouring --lock-timeout, and would make the holder's own writes meet SQLITE_BUSY.
    let holder = await readHolder(db, options.table, options.name)
    if (!holder || isStale(holder, new Date())) {
      try {
        const outcome = await db.transaction().execute(async (trx) => {
          // A write first: the transaction takes SQLite's write lock now (waiting on busy_timeout),
          // instead of failing with SQLITE_BUSY when a read is upgraded later.
          await sql`update ${sql.table(options.table)} set name = name where name = ${options.name}`.execute(
            trx,
          )
          const current = await readHolder(trx, options.table, options.name)
          const now = new Date()
          if (current && !isStale(current, now)) return { holder: current }
          await trx.deleteFrom(options.table).where('name', '=', options.name).execute()
          await writeHolder(trx, options, now)
          return { taken: true, stale: current }
        })
        if (outcome.taken) {
          if (outcome.stale) {
            const stale = outcome.stale
            const expired = Date.parse(stale.expires_at) <= Date.now()
            options.onWarning(
              `Took over a stale ${options.label ?? 'migration lock'}: ${heldBy(stale, options)}, lease ${expired ? 'expired' : 'valid until'} ${stale.expires_at}${
                stale.host === hostname() && !isAlive(stale.pid) ? ' (that process is gone)' : ''
              }.`,
            )
          }
          break
        }
        holder = outcome.holder
      } catch (error) {
        // Someone else holds the write lock: a rival taking the lease, or a holder that died inside a
        // transaction a server keeps open until its stream times out. Wait for it like for a lease.
        if (!isBusy(error)) throw error
      }
    }
    if (Date.now() >= deadline) {
      throw new MigrationLockTimeoutError(
        `${heldBy(holder, options)}; gave up after ${options.timeoutMs} ms (--lock-timeout).`,
      )
    }
    await sleep(50 + Math.random() * 100)
  }
  const mine = { pid: process.pid, host: hostname() }
  return {
    heartbeat: async (executor = db) => {
      const now = Date.now()
      const [result] = await executor
        .updateTable(options.table)
        .set({
          heartbeat_at: new Date(now).toISOString(),
          expires_at: new Date(now + options.leaseMs).toISOString(),
        })
        .where('name', '=', options.name)
        .where('pid', '=', mine.pid)
        .where('host', '=', mine.host)
        .execute()
      if (Number(result?.numUpdatedRows ?? 0) === 0) {
        const holder = await readHolder(executor, options.table, options.name)
        throw new MigrationLockLostError(
          `The ${options.label ?? 'migration lock'}'s lease (${options.leaseMs} ms) ran out and ${holder ? `pid ${holder.pid} on host ${holder.host}` : 'nobody'} holds it now: stopped before changing anything more. Run again; give a longer lease if one migration takes longer.`,
        )
      }
    },
    release: async () => {
      await db
        .deleteFrom(options.table)
        .where('name', '=', options.name)
        .where('pid', '=', mine.pid)
        .where('host', '=', mine.host)
        .execute()
    },
  }
}

async function ensureLockTable(db: Kysely<any>, table: string, advisory: boolean): Promise<void> {
  if (!advisory) return createLockTable(db, table)
  // Holders of different names may create the table at once: on PostgreSQL, `create table if not
  // exists` of two sessions can both miss it and one fails on pg_class's unique index.
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${LOCK_CLASS}, ${lockKey(`ddl:${table}`)})`.execute(trx)
    await createLockTable(trx, table)
  })
}

async function createLockTable(db: Kysely<any>, table: string): Promise<void> {
  await db.schema
    .createTable(table)
    .ifNotExists()
    .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('heartbeat_at', 'text', (c) => c.notNull())
    .execute()
}

async function writeHolder(db: Kysely<any>, options: MigrationLockOptions, now: Date): Promise<void> {
  await db
    .insertInto(options.table)
    .values({
      name: options.name,
      holder: `pid ${process.pid} on host ${hostname()}`,
      pid: process.pid,
      host: hostname(),
      acquired_at: now.toISOString(),
      heartbeat_at: now.toISOString(),
      expires_at: new Date(now.getTime() + options.leaseMs).toISOString(),
    })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet((eb) => ({
        holder: eb.ref('excluded.holder'),
        pid: eb.ref('excluded.pid'),
        host: eb.ref('excluded.host'),
        acquired_at: eb.ref('excluded.acquired_at'),
        heartbeat_at: eb.ref('excluded.heartbeat_at'),
        expires_at: eb.ref('excluded.expires_at'),
      })),
    )
    .execute()
}

async function readHolder(db: Kysely<any>, table: string, name: string): Promise<Holder | undefined> {
  try {
    const row = await db
      .selectFrom(table)
      .select(['pid', 'host', 'acquired_at', 'expires_at'])
      .where('name', '=', name)
      .executeTakeFirst()
    return row ? ({ ...row, pid: Number(row.pid) } as Holder) : undefined
  } catch {
    return undefined // the lock table does not exist yet: the holder is still creating it
  }
}

function isStale(holder: Holder, now: Date): boolean {
  if (Date.parse(holder.expires_at) <= now.getTime()) return true
  return holder.host === hostname() && !isAlive(holder.pid)
}

function isBusy(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  return (
    (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) ||
    (typeof message === 'string' && /database is locked/i.test(message))
  )
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function heldBy(holder: Holder | undefined, options: MigrationLockOptions): string {
  const subject = options.subject ?? 'The migrations are'
  return holder
    ? `${subject} locked by pid ${holder.pid} on host ${holder.host} since ${holder.acquired_at}`
    : `${subject} locked by another process`
}

/** The second key of the PostgreSQL advisory lock named `name` (the first is ledgerport's class). */
export function lockKey(name: string): number {
  return Number.parseInt(createHash('sha256').update(name).digest('hex').slice(0, 7), 16)
}

/**
 * On PostgreSQL, waits for and takes the transaction-scoped advisory lock named `name` (released at
 * the transaction's end), so short critical sections of different processes (creating shared tables,
 * rebuilding deferred indexes) do not interleave. A no-op on SQLite/libSQL, whose writers take turns.
 */
export async function takeTransactionLock(trx: Kysely<any>, kind: DatabaseKind, name: string): Promise<void> {
  if (capabilitiesOf(kind).lockStrategy !== 'advisory-lock') return
  await sql`select pg_advisory_xact_lock(${LOCK_CLASS}, ${lockKey(name)})`.execute(trx)
}
