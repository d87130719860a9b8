import { redactSecrets, redactUrl, type Target, urlSecrets } from '@ledgerport/core'
import { loadDataConfig, loadTarget } from './config-plugins.js'

/** Opens the `--to` target (canonical model prepared), runs `work`, closes it. */
export async function usingTarget<T>(
  options: {
    readonly to: string
    readonly schema?: string | undefined
    readonly config?: string | undefined
  },
  work: (target: Target, displayUrl: string) => Promise<T>,
): Promise<T> {
  const url = options.to
  let target: Target | undefined
  try {
    const plugin = await loadTarget(url, await loadDataConfig(options.config))
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
