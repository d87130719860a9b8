export { BybitV2Source, STREAM_ENTITIES, source } from './bybit-v2-source.js'
export { isClosedTrade, keys, resolveOrderKeys } from './source-keys.js'
export { type BybitV2Options, V2_COLUMNS, V2_TABLES, V2Database, type V2Table } from './v2-database.js'
export {
  type BybitV2Check,
  type BybitV2Verification,
  type VerifyBybitV2Options,
  verifyBybitV2,
} from './verify-bybit-v2.js'
export * as vocabularies from './vocabularies.js'
