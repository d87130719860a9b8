export * from './databases.js'
export * from './hrana-server.js'
