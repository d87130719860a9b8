import { hostname } from 'node:os'
import { Kysely, PostgresDialect, sql } from 'kysely'
import { quoteIdentifier } from '../../db/quote-identifier.js'
import type { Engine } from '../engine.js'
import { loadDriver } from '../load-driver.js'
import { postgresCapabilities } from './capabilities.js'
import type { PostgresClient } from './driver-types.js'
import { postgresTableExists } from './introspect.js'

/** PostgreSQL through node-postgres (`pg`, an optional peer). */
export const postgresEngine: Engine = {
  capabilities: postgresCapabilities,
  async open(parsed, options) {
    const { default: pg } = await loadDriver('pg', 'postgres:// URLs', () => import('pg'))
    const pool = new pg.Pool({
      connectionString: parsed.url,
      max: options.poolSize ?? 4,
      application_name: `ledgerport pid=${process.pid} host=${hostname()}`.slice(0, 63),
      ...(options.schema ? { options: `-c search_path=${quoteIdentifier(options.schema)}` } : {}),
    })
    const clients = new Map<number, PostgresClient>()
    pool.on('connect', (client) => {
      const pid = (client as unknown as { processID: number }).processID
      clients.set(pid, client as unknown as PostgresClient)
      client.on('end', () => clients.delete(pid))
    })
    pool.on('error', () => {
      // An idle client lost its server; the next query reports it. Without a listener, node exits.
    })
    const postgresClient = async (executor: Kysely<any>): Promise<PostgresClient> => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(executor)
      const client = clients.get(Number(rows[0]?.pid))
      if (!client) throw new Error('No node-postgres client is known for this connection.')
      return client
    }
    return { db: new Kysely({ dialect: new PostgresDialect({ pool }), log: options.log }), postgresClient }
  },
  tableExists: postgresTableExists,
  fileUrl() {
    throw new TypeError('PostgreSQL databases are not files.')
  },
}
