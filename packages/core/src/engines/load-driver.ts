/**
 * Loads a database driver, an optional peer of `@ledgerport/core`, on first use. A missing driver is
 * an error that names the package to install:
 * `ledgerport needs the "pg" package for postgres:// URLs: npm i pg`.
 */
export async function loadDriver<T>(name: string, forWhat: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (error) {
    const code = (error as { code?: string }).code
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(error).includes(name))
      throw new MissingDriverError(name, forWhat)
    throw error
  }
}

/** A driver package (`pg`, `better-sqlite3`, `@libsql/client`) is not installed. */
export class MissingDriverError extends Error {
  /** The package to install. */
  readonly packageName: string

  constructor(packageName: string, forWhat: string) {
    super(`ledgerport needs the "${packageName}" package for ${forWhat}: npm i ${packageName}`)
    this.name = 'MissingDriverError'
    this.packageName = packageName
  }
}
