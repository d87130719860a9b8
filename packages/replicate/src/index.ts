export * from './connect-source.js'
export * from './replicator.js'
export * from './table-schema.js'
export * from './type-mapping.js'
