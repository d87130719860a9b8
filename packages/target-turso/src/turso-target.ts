import { connect, SqlTarget, type TargetPlugin } from '@ledgerport/core'

/** Options of the Turso / libSQL target. */
export interface TursoTargetOptions {
  /** Auth token for `libsql://` and `https://` URLs. Never printed. */
  readonly authToken?: string
  /** Extra migrations folder applied after the canonical model. */
  readonly modelMigrations?: string
}

/**
 * The Turso / libSQL target (@libsql/client): `file:` databases, and `libsql://` / `http(s)://`
 * servers. Each batch is one interactive write transaction. Decimals and times are TEXT.
 */
export const target: TargetPlugin<TursoTargetOptions> = {
  name: 'turso',
  summary: 'Turso / libSQL (file:, libsql://, http(s)://) via @libsql/client',
  options: {
    authToken: { type: 'string', description: 'libSQL auth token', env: 'LIBSQL_AUTH_TOKEN', secret: true },
    modelMigrations: {
      type: 'string',
      description: 'extra migrations folder applied after the canonical model',
    },
  },
  accepts: (url) => /^(file:|libsql:\/\/|https?:\/\/|wss?:\/\/)/i.test(url),
  async create(url, options) {
    const connection = await connect(url, options.authToken ? { authToken: options.authToken } : {})
    return new SqlTarget({
      connection,
      ...(options.modelMigrations ? { extraMigrations: options.modelMigrations } : {}),
    })
  },
}
