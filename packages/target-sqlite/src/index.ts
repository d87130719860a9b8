export * from './sqlite-target.js'
