export * from './connect.js'
export * from './connection-url.js'
export * from './libsql-dialect.js'
export * from './table-exists.js'
