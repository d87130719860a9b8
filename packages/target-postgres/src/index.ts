export * from './postgres-target.js'
