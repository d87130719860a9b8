export * from './turso-target.js'
