/**
 * `@ledgerport/source-freqtrade-sqlite/reader`: the Freqtrade mapping over any database driver, for
 * sources that read Freqtrade databases from elsewhere (`@ledgerport/source-turso`). Implement
 * {@link FreqtradeRowReader} for the driver, load the schema with {@link loadSchema}, and read each
 * stream with {@link streamBatches}: schema detection, every mapping, the streams, their
 * checkpoints and notes are this package's. A local database file reads with {@link readFileStream}.
 */
export { DatabaseFile, type DatabaseFileOptions, type OpenDatabase, type OpenMode } from './database-file.js'
export { countFileStream, readFileStream } from './file-stream.js'
export {
  type Batches,
  botStreams,
  countStream,
  type FreqtradeCheckpoint,
  parseCheckpoint,
  parseStreamName,
  type ReadState,
  STREAM_ENTITIES,
  STREAM_KINDS,
  type StreamContext,
  type StreamKind,
  type StreamSettings,
  streamBatches,
  streamSettings,
} from './freqtrade-streams.js'
export { type BotDatabase, type LocateOptions, locateDatabases } from './locate-databases.js'
export type { BotFacts } from './map-bot.js'
export type { FreqtradeRowReader, SideQuery, SqlParameter, SqlStatement } from './row-reader.js'
export { rowMaker } from './rows.js'
export { detectSchema, type FreqtradeSchema, loadSchema } from './schema.js'
export { SqliteRowReader } from './sqlite-row-reader.js'
export type { SqliteRow, SqliteValue } from './values.js'
