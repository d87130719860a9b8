import { hash } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { DatabaseKind } from '../db/connection-url.js'
import { capabilitiesOf } from '../engines/index.js'
import type { SourceRowDigest, StoredDigest } from '../plugin/source-plugin.js'

/** The table {@link SourceDigestStore} keeps digests in (canonical model migration 002). */
export const SOURCE_DIGESTS_TABLE = 'ledgerport_source_digests'

/** A stream of one source configuration: whose digests. */
export interface DigestScope {
  readonly source: string
  readonly scope: string
  readonly stream: string
}

/** Keys per lookup statement: PostgreSQL takes them as one array, SQLite as bound parameters. */
/** Rows per multi-row INSERT on SQLite/libSQL (7 parameters each, under SQLite's 32,766). */
const ROWS_PER_INSERT = 4_000

/**
 * The mapping settings a digest is only valid under: the same raw row maps to other rows under
 * another `--timezone` or `--user-id`, or another version of the canonical model.
 */
export function mappingSalt(settings: { timeZone: string; userId?: string | undefined }): string {
  return hash('sha1', JSON.stringify(['model-3', settings.timeZone, settings.userId ?? null])).slice(0, 12)
}

/**
 * Keeps, in the target, the digest of every source row a run mapped (`ledgerport_source_digests`),
 * written in the same transaction as the row's records. A later run looks the digests up and the
 * source skips rows whose digest is unchanged, without mapping, hashing or comparing their records:
 * that is what makes an unchanged re-run, or a sync after a few rows changed, cheap.
 *
 * Rolling a run back forgets the digests it wrote (its rows are gone or restored, so the next run
 * compares them in full); rolling a source back forgets all of the source's.
 */
export class SourceDigestStore {
  readonly #kind: DatabaseKind
  readonly #salt: string
  /**
   * Whether each scope looked up had any digests when first asked. A run only adds digests of rows
   * it has already read, so a scope that had none stays empty for every row the run reads later: it
   * is never queried again.
   */
  readonly #hasDigests = new Map<string, boolean>()
  #written = 0

  constructor(kind: DatabaseKind, salt: string) {
    this.#kind = kind
    this.#salt = salt
  }

  /** The stored digests of these row keys, under this store's mapping settings. */
  async lookup(
    db: Kysely<any>,
    scope: DigestScope,
    keys: ReadonlyArray<string>,
  ): Promise<Map<string, StoredDigest>> {
    const found = new Map<string, StoredDigest>()
    const scopeKey = JSON.stringify([scope.source, scope.scope, scope.stream])
    let hasDigests = this.#hasDigests.get(scopeKey)
    if (hasDigests === undefined) {
      const any = await db
        .selectFrom(SOURCE_DIGESTS_TABLE)
        .select('row_key')
        .where('source', '=', scope.source)
        .where('scope', '=', scope.scope)
        .where('stream', '=', scope.stream)
        .limit(1)
        .executeTakeFirst()
      hasDigests = any !== undefined
      this.#hasDigests.set(scopeKey, hasDigests)
    }
    if (!hasDigests || keys.length === 0) return found
    const prefix = `${this.#salt}:`
    // PostgreSQL takes a chunk of keys as one array parameter; SQLite binds one parameter per key.
    const capabilities = capabilitiesOf(this.#kind)
    const step =
      capabilities.dialect === 'postgres' ? 10_000 : Math.min(5_000, capabilities.parameterLimit - 8)
    for (let i = 0; i < keys.length; i += step) {
      const chunk = keys.slice(i, i + step)
      const query = db
        .selectFrom(SOURCE_DIGESTS_TABLE)
        .select(['row_key', 'digest', 'records'])
        .where('source', '=', scope.source)
        .where('scope', '=', scope.scope)
        .where('stream', '=', scope.stream)
      const rows =
        capabilities.dialect === 'postgres'
          ? await query.where(sql<boolean>`row_key = any(${chunk}::text[])`).execute()
          : await query.where('row_key', 'in', chunk).execute()
      for (const row of rows) {
        const digest = String(row.digest)
        if (digest.startsWith(prefix))
          found.set(String(row.row_key), {
            digest: digest.slice(prefix.length),
            records: Number(row.records),
          })
      }
    }
    return found
  }

  /** Stores (or replaces) the digests of rows a run mapped; call it in the batch's transaction. */
  async put(
    db: Kysely<any>,
    scope: DigestScope,
    runId: string,
    digests: ReadonlyArray<SourceRowDigest>,
  ): Promise<void> {
    if (digests.length === 0) return
    this.#written += digests.length
    const prefix = `${this.#salt}:`
    if (capabilitiesOf(this.#kind).dialect === 'postgres') {
      // One statement per batch: the rows travel as three arrays, not as parameters per value.
      await sql`insert into ${sql.table(SOURCE_DIGESTS_TABLE)}
          (source, scope, stream, row_key, digest, records, run_id)
        select ${scope.source}, ${scope.scope}, ${scope.stream}, k, d, n, ${runId}
        from unnest(${digests.map((d) => d.key)}::text[], ${digests.map((d) => prefix + d.digest)}::text[],
          ${digests.map((d) => d.records)}::int[]) as t(k, d, n)
        on conflict (source, scope, stream, row_key)
        do update set digest = excluded.digest, records = excluded.records, run_id = excluded.run_id`.execute(
        db,
      )
      return
    }
    for (let i = 0; i < digests.length; i += ROWS_PER_INSERT) {
      await db
        .insertInto(SOURCE_DIGESTS_TABLE)
        .values(
          digests.slice(i, i + ROWS_PER_INSERT).map((d) => ({
            source: scope.source,
            scope: scope.scope,
            stream: scope.stream,
            row_key: d.key,
            digest: prefix + d.digest,
            records: d.records,
            run_id: runId,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['source', 'scope', 'stream', 'row_key']).doUpdateSet({
            digest: sql.ref('excluded.digest'),
            records: sql.ref('excluded.records'),
            run_id: sql.ref('excluded.run_id'),
          }),
        )
        .execute()
    }
  }

  /**
   * After a run wrote digests: on PostgreSQL, refreshes the table's statistics. Without them a
   * table filled by one run looks empty to the planner, which then filters a stream's every
   * digest against each lookup's keys instead of seeking them in the primary key (seconds per
   * lookup instead of milliseconds). ANALYZE samples a bounded number of rows, so it stays cheap.
   */
  async analyze(db: Kysely<any>): Promise<void> {
    if (!capabilitiesOf(this.#kind).analyzeColumns || this.#written === 0) return
    await sql`analyze ${sql.table(SOURCE_DIGESTS_TABLE)}`.execute(db)
    this.#written = 0
  }

  /** Forgets the digests a run wrote (on rollback). */
  static async forgetRun(db: Kysely<any>, runId: string): Promise<void> {
    await db.deleteFrom(SOURCE_DIGESTS_TABLE).where('run_id', '=', runId).execute()
  }

  /** Forgets a source's digests, or one stream's (on rollback by source). */
  static async forgetSource(db: Kysely<any>, source: string, stream?: string): Promise<void> {
    let query = db.deleteFrom(SOURCE_DIGESTS_TABLE).where('source', '=', source)
    if (stream !== undefined) query = query.where('stream', '=', stream)
    await query.execute()
  }
}
