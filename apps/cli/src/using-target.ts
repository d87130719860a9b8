import { loadTargetPlugin, redactSecrets, redactUrl, type Target, urlSecrets } from '@ledgerport/core'

/** Opens the `--to` target (canonical model prepared), runs `work`, closes it. */
export async function usingTarget<T>(
  options: { readonly to: string; readonly schema?: string | undefined },
  work: (target: Target, displayUrl: string) => Promise<T>,
): Promise<T> {
  const url = options.to
  let target: Target | undefined
  try {
    const plugin = await loadTargetPlugin(url, { importer: (specifier) => import(specifier) })
    target = await plugin.create(url, options.schema ? { schema: options.schema } : {}, {
      timezone: 'UTC',
      batchSize: 5000,
      cwd: process.cwd(),
      warn: () => {},
    })
    await target.prepare()
    return await work(target, redactUrl(url))
  } catch (error) {
    throw new Error(redactSecrets((error as Error).message, urlSecrets(url)), { cause: error })
  } finally {
    await target?.close().catch(() => {})
  }
}
