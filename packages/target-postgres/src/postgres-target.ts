import { connect, SqlTarget, type TargetPlugin } from '@ledgerport/core'
import { copyUpsert } from './copy-upsert.js'

/** Options of the PostgreSQL target. */
export interface PostgresTargetOptions {
  /** Schema for the canonical tables (created if missing). Default is the server's default (`public`). */
  readonly schema?: string
  /** Extra migrations folder applied after the canonical model. */
  readonly modelMigrations?: string
  /** How long opening a connection may take, in ms (`0` waits forever). Default is `10000`. */
  readonly connectTimeoutMs?: number
  /** The longest one statement may run, in ms (`0` is no limit). Default is no limit. */
  readonly statementTimeoutMs?: number
}

/**
 * The PostgreSQL target: NUMERIC, TIMESTAMPTZ, JSONB; each batch is COPYed into a temporary
 * staging table and upserted with one statement, in the batch's transaction.
 */
export const target: TargetPlugin<PostgresTargetOptions> = {
  name: 'postgres',
  summary: 'PostgreSQL (COPY into staging + one upsert per batch; NUMERIC, TIMESTAMPTZ, JSONB)',
  options: {
    schema: { type: 'string', description: 'schema for the canonical tables (created if missing)' },
    modelMigrations: {
      type: 'string',
      description: 'extra migrations folder applied after the canonical model',
    },
    connectTimeoutMs: {
      type: 'number',
      description: 'how long opening a connection may take, in ms (0 waits forever; default 10000)',
    },
    statementTimeoutMs: {
      type: 'number',
      description: 'the longest one statement may run, in ms (0 is no limit, the default)',
    },
  },
  accepts: (url) => /^postgres(ql)?:\/\//i.test(url),
  async create(url, options) {
    const connection = await connect(url, {
      ...(options.schema ? { schema: options.schema } : {}),
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.statementTimeoutMs !== undefined ? { statementTimeoutMs: options.statementTimeoutMs } : {}),
    })
    return new SqlTarget({
      connection,
      upsert: copyUpsert,
      ...(options.modelMigrations ? { extraMigrations: options.modelMigrations } : {}),
    })
  },
}
