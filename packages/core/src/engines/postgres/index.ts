import { hostname } from 'node:os'
import { Kysely, PostgresDialect, sql } from 'kysely'
import { quoteIdentifier } from '../../db/quote-identifier.js'
import type { Engine } from '../engine.js'
import { loadDriver } from '../load-driver.js'
import { postgresCapabilities } from './capabilities.js'
import type { PostgresClient } from './driver-types.js'
import { postgresTableExists } from './introspect.js'
import { explainPostgresError, postgresTimeouts, STATEMENT_TIMEOUT_GRACE_MS } from './timeouts.js'

/** PostgreSQL through node-postgres (`pg`, an optional peer). */
export const postgresEngine: Engine = {
  capabilities: postgresCapabilities,
  async open(parsed, options) {
    const { default: pg } = await loadDriver('pg', 'postgres:// URLs', () => import('pg'))
    const timeouts = postgresTimeouts(parsed.url, options)
    const where = serverOf(parsed.url)
    const explain = (error: unknown): unknown => explainPostgresError(error, where, timeouts)
    // Every client ever created, connected or not: close() can cut the sockets of a silent server.
    const created = new Set<InstanceType<typeof pg.Client>>()
    const clients = new Map<number, PostgresClient>()
    // The connect timeout goes to each client, not to the pool, where it would also limit how long
    // a query may wait for a free pooled connection.
    class LedgerportClient extends pg.Client {
      constructor(config?: ConstructorParameters<typeof pg.Client>[0]) {
        super({
          ...(typeof config === 'object' ? config : {}),
          connectionTimeoutMillis: timeouts.connectTimeoutMs,
          ...(timeouts.statementTimeoutMs > 0
            ? {
                statement_timeout: timeouts.statementTimeoutMs,
                query_timeout: timeouts.statementTimeoutMs + STATEMENT_TIMEOUT_GRACE_MS,
              }
            : {}),
        })
        created.add(this)
        // A server that kills this connection (pg_terminate_backend, a restart) makes the client emit
        // 'error'; the query that was running rejects with the same error, so the command reports it.
        // Without a listener, node would crash with "Unhandled 'error' event".
        this.on('error', () => {})
        this.on('end', () => created.delete(this))
      }
      override query(...args: any[]): any {
        const result = (super.query as (...a: any[]) => any)(...args)
        return result && typeof result.then === 'function' && typeof args[0] === 'string'
          ? result.catch((error: unknown) => {
              throw explain(error)
            })
          : result
      }
    }
    const pool = new pg.Pool({
      Client: LedgerportClient as unknown as typeof pg.Client,
      connectionString: parsed.url,
      max: options.poolSize ?? 4,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: `ledgerport pid=${process.pid} host=${hostname()}`.slice(0, 63),
      ...(options.schema ? { options: `-c search_path=${quoteIdentifier(options.schema)}` } : {}),
    })
    pool.on('connect', (client) => {
      const pid = (client as unknown as { processID: number }).processID
      clients.set(pid, client as unknown as PostgresClient)
      client.on('end', () => clients.delete(pid))
    })
    pool.on('error', () => {
      // An idle client lost its server; the next query reports it. Without a listener, node exits.
    })
    const connectingPool = {
      connect: async () => {
        try {
          return await pool.connect()
        } catch (error) {
          throw explain(error)
        }
      },
      end: () => pool.end(),
    }
    const postgresClient = async (executor: Kysely<any>): Promise<PostgresClient> => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(executor)
      const client = clients.get(Number(rows[0]?.pid))
      if (!client) throw new Error('No node-postgres client is known for this connection.')
      return client
    }
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: connectingPool }), log: options.log })
    const close = async (): Promise<void> => {
      // A server that stopped answering would keep pool.end() waiting: after 2 s, cut the sockets.
      let timer: NodeJS.Timeout | undefined
      const cut = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          for (const client of created)
            (
              client as unknown as { connection?: { stream?: { destroy(): void } } }
            ).connection?.stream?.destroy()
          resolve()
        }, 2_000)
        timer.unref()
      })
      await Promise.race([db.destroy().catch(() => {}), cut])
      clearTimeout(timer)
    }
    return { db, postgresClient, close }
  },
  tableExists: postgresTableExists,
  fileUrl() {
    throw new TypeError('PostgreSQL databases are not files.')
  },
}

/** `host:port` of a PostgreSQL URL, without credentials: safe to print. */
function serverOf(url: string): string {
  try {
    const { hostname: host, port } = new URL(url)
    return `${host || 'localhost'}:${port || '5432'}`
  } catch {
    return 'the server'
  }
}
