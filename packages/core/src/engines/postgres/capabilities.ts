import type { EngineCapabilities } from '../capabilities.js'

/** PostgreSQL: 65,535 parameters, advisory locks, COPY, schemas, 63-byte identifiers. */
export const postgresCapabilities: EngineCapabilities = Object.freeze({
  engine: 'postgres',
  dialect: 'postgres',
  parameterLimit: 65_535,
  transactionalDdl: true,
  lockStrategy: 'advisory-lock',
  maxIdentifierLength: 63,
  copy: true,
  schemas: true,
  booleans: 'native',
  instants: 'timestamptz',
  decimals: 'numeric',
  analyzeColumns: true,
  fileCopies: false,
})
