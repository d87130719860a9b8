export { type FreqtradeCheckpoint, type FreqtradeSqliteOptions, source } from './freqtrade-source.js'
