export * from './mongo-server.js'
