import type { EngineCapabilities } from '../capabilities.js'

/** SQLite (better-sqlite3): 32,766 parameters (SQLITE_MAX_VARIABLE_NUMBER), lease rows, no COPY. */
export const sqliteCapabilities: EngineCapabilities = Object.freeze({
  engine: 'sqlite',
  dialect: 'sqlite',
  parameterLimit: 32_766,
  transactionalDdl: true,
  lockStrategy: 'lease-row',
  maxIdentifierLength: 1_000_000,
  copy: false,
  schemas: false,
  booleans: 'integer',
  instants: 'text',
  decimals: 'text',
  analyzeColumns: false,
  fileCopies: true,
})
