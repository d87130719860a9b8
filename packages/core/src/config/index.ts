export * from './define-config.js'
export * from './load-config.js'
export * from './select-databases.js'
