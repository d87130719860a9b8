export * from './config/index.js'
export * from './db/index.js'
export * from './migrate/index.js'
