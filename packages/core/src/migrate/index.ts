export * from './backup-database-file.js'
export * from './folder-migration-provider.js'
export * from './legacy-history.js'
export * from './make-migration-file.js'
export * from './migration.js'
export type { LedgerEntry } from './migration-ledger.js'
export {
  acquireMigrationLock,
  type MigrationLock,
  MigrationLockLostError,
  type MigrationLockOptions,
  MigrationLockTimeoutError,
  takeTransactionLock,
} from './migration-lock.js'
export * from './migrator.js'
export { splitSqlStatements } from './split-sql-statements.js'
export * from './sql-file-migration.js'
export * from './sqlite-rebuild-table.js'
