/**
 * `@ledgerport/freqtrade-mapping`: Freqtrade's database mapped to ledgerport's canonical model, over
 * any database driver. A driver adapter (a source plugin) implements {@link FreqtradeRowReader},
 * loads the schema with {@link loadSchema} and reads each stream with {@link streamBatches}: schema
 * detection, every mapping, the streams, their checkpoints and notes are this package's. A local
 * database file is opened without changing it through {@link LocalDatabaseFile} and read with
 * {@link readLocalStream}; {@link locateDatabases} finds the bots' files.
 */

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
export {
  LocalDatabaseFile,
  type LocalFileOptions,
  type OpenedFile,
  type OpenFile,
  type OpenMode,
} from './local-file.js'
export { type LocalSession, readLocalStream } from './local-stream.js'
export { type BotDatabase, type LocateOptions, locateDatabases } from './locate-databases.js'
export type { BotFacts } from './map-bot.js'
export { ORDER_STATUS, ORDER_TYPE } from './map-order.js'
export type { BotContext } from './map-trade.js'
export type { FreqtradeRowReader, SideQuery, SqlParameter, SqlStatement } from './row-reader.js'
export { rowMaker } from './rows.js'
export { detectSchema, type FreqtradeSchema, loadSchema, schemaGeneration } from './schema.js'
export { normalizePair, type SqliteRow, type SqliteValue, timeframeOf } from './values.js'
