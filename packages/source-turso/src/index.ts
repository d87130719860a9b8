export { source, type TursoSourceOptions } from './turso-source.js'
