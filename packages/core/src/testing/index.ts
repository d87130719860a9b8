export * from './describe-source.js'
export * from './describe-target.js'
export * from './synthetic-source.js'
