export type { MongoOptions } from './mongo-options.js'
export { MongoSource, source } from './mongo-source.js'
