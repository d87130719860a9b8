import type { EngineCapabilities } from '../capabilities.js'
import { sqliteCapabilities } from '../sqlite/capabilities.js'

/** libSQL / Turso (@libsql/client): SQLite's SQL and limits, over a file or the network. */
export const libsqlCapabilities: EngineCapabilities = Object.freeze({
  ...sqliteCapabilities,
  engine: 'libsql',
})
