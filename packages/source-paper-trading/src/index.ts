export { type PaperTradingOptions, source } from './paper-trading-source.js'
