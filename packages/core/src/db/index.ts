export * from './connect.js'
export * from './connection-url.js'
