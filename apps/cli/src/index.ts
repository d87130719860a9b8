export * from './main.js'
export type { ModuleImporter } from './optional-package.js'
