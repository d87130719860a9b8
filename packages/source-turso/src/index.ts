export { LibsqlRowReader } from './libsql-row-reader.js'
export {
  botIdOf,
  databaseName,
  type LocateTursoOptions,
  locateTursoBots,
  type TursoBot,
} from './locate-bots.js'
export { source, TursoSource, type TursoSourceOptions } from './turso-source.js'
