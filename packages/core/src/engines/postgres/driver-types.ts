/**
 * The parts of node-postgres (`pg`) ledgerport's public types name, as structural types: core's
 * `.d.ts` never imports `pg`, so a project without `pg` or `@types/pg` type-checks. A `pg.PoolClient`
 * fits; packages that drive COPY (target-postgres, replicate) narrow it to their own `pg` types.
 */

/** Something `client.query()` submits itself, like a pg-copy-streams COPY stream. */
export interface PostgresSubmittable {
  submit(connection: any): void
}

/** A node-postgres client checked out of the pool (a `pg.PoolClient`). */
export interface PostgresClient {
  query<T extends PostgresSubmittable>(submittable: T): T
  query(text: string, values?: any[]): Promise<{ rows: any[]; rowCount: number | null }>
}
