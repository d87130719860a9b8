import { redactSecrets, redactUrl, type Target, urlSecrets } from '@ledgerport/core'
import { loadDataConfig, loadTarget } from './config-plugins.js'
import { timeoutConnectOptions } from './options/timeout-options.js'
import { UsageError } from './output/exit-code.js'

/** Opens the `--to` target (canonical model prepared), runs `work`, closes it. */
export async function usingTarget<T>(
  options: {
    readonly to: string
    readonly schema?: string | undefined
    readonly config?: string | undefined
    readonly connectTimeout?: string | undefined
    readonly statementTimeout?: string | undefined
  },
  work: (target: Target, displayUrl: string) => Promise<T>,
): Promise<T> {
  const url = options.to
  let target: Target | undefined
  try {
    const plugin = await loadTarget(url, await loadDataConfig(options.config))
    const timeouts = timeoutConnectOptions(options)
    target = await plugin.create(
      url,
      { ...timeouts, ...(options.schema ? { schema: options.schema } : {}) },
      {
        timezone: 'UTC',
        batchSize: 5000,
        cwd: process.cwd(),
        warn: () => {},
      },
    )
    await target.prepare()
    return await work(target, redactUrl(url))
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new Error(redactSecrets((error as Error).message, urlSecrets(url)), { cause: error })
  } finally {
    await target?.close().catch(() => {})
  }
}
