import { UsageError } from './output/exit-code.js'

/** Imports a module by name; the `ledgerport` bundle passes its own, so its plugins resolve from it. */
export type ModuleImporter = (specifier: string) => Promise<unknown>

let packageImporter: ModuleImporter = (specifier) => import(specifier)

/** Sets where installed packages resolve from (see {@link ModuleImporter}). */
export function setPackageImporter(importer: ModuleImporter): void {
  packageImporter = importer
}

/** The importer installed packages resolve through. */
export function importPackage(specifier: string): Promise<unknown> {
  return packageImporter(specifier)
}

/**
 * Imports an optional package of the lean CLI, or stops with a usage error that says what to install:
 * `ledgerport replicate needs @ledgerport/replicate: npm i @ledgerport/replicate`.
 */
export async function importOptional<T>(name: string, purpose: string): Promise<T> {
  try {
    return (await importPackage(name)) as T
  } catch (error) {
    if (!isNotFound(error, name)) throw error
    throw new UsageError(`${purpose} needs the ${name} package: npm i ${name}`)
  }
}

function isNotFound(error: unknown, name: string): boolean {
  const code = (error as { code?: string }).code
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    String((error as Error).message).includes(name)
  )
}
