export { type JsonFilesOptions, source } from './json-files-source.js'
