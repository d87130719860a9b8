/** One database the config file names. */
export interface DatabaseConfig {
  /** Connection URL (`postgres://…`, `sqlite:PATH`, `file:PATH`, `libsql://…`). */
  readonly url: string
  /** Its migrations folder, relative to the config file. Default is the top-level `migrations.folder`. */
  readonly migrations?: string
  /** libSQL auth token. Prefer the `LIBSQL_AUTH_TOKEN` environment variable over writing it here. */
  readonly authToken?: string
  /** PostgreSQL schema. */
  readonly schema?: string
}

/** The shape of `ledgerport.config.ts`. */
export interface LedgerportConfig {
  /** Databases by name (seed 002: `combined_v3`, `price_action_v6`, `central_system`). */
  readonly databases?: Readonly<Record<string, DatabaseConfig>>
  /** The database used when no `--url`, `--db`, `--all` or `--glob` is given. Default is the first one. */
  readonly defaultDatabase?: string
  /**
   * Plugins of your own, so that data commands find them by name. Module specifiers: a package name,
   * or a path relative to the config file.
   */
  readonly plugins?: {
    /** Source plugins by `--from` name, e.g. `{ 'my-broker': './plugins/my-broker-source.ts' }`. */
    readonly sources?: Readonly<Record<string, string>>
    /** Target plugins, asked (by `accepts(url)`) before the built-in ones which takes a `--to` URL. */
    readonly targets?: ReadonlyArray<string>
  }
  /** Schema-migration settings. */
  readonly migrations?: {
    /** Default migrations folder. Default is `./migrations`. */
    readonly folder?: string
    /** Ledger table. Default is `ledgerport_migrations`. */
    readonly tableName?: string
    /** Lock wait, in ms. Default is `60000`. */
    readonly lockTimeoutMs?: number
    /** Apply pending migrations that sort before applied ones. Default is `false`. */
    readonly allowUnordered?: boolean
  }
}

/**
 * Types a `ledgerport.config.ts` file. It returns its argument unchanged.
 *
 * ```ts
 * import { defineConfig } from '@ledgerport/core'
 *
 * export default defineConfig({
 *   databases: {
 *     combined_v3: { url: 'sqlite:databases/zepix_combined.db', migrations: 'migrations/combined_v3' },
 *     central_system: { url: 'postgres://bot@localhost/central', migrations: 'migrations/central_system' },
 *   },
 * })
 * ```
 */
export function defineConfig(config: LedgerportConfig): LedgerportConfig {
  return config
}
