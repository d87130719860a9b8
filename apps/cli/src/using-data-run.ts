import {
  type DataMigratorProps,
  type PluginContext,
  PluginOptionError,
  parsePluginOptions,
  redactSecrets,
  redactUrl,
  type Source,
  type SourcePlugin,
  type Target,
  urlSecrets,
} from '@ledgerport/core'
import { loadDataConfig, loadSource, loadTarget } from './config-plugins.js'
import {
  type DataOptions,
  DEFAULT_TARGET_URL,
  lockTimeoutMs,
  pluginFlagValues,
} from './options/data-options.js'
import { timeoutConnectOptions } from './options/timeout-options.js'
import { UsageError } from './output/exit-code.js'

/** An open source and target for one data command. */
export interface DataRun {
  readonly plugin: SourcePlugin<any>
  readonly source: Source
  readonly target: Target
  readonly context: PluginContext
  /** The source's options, parsed (secrets included: never print them). */
  readonly pluginOptions: Record<string, unknown>
  /** The source's options with secrets redacted (stored in `ledgerport_runs`). */
  readonly redactedOptions: Record<string, unknown>
  /** Identifies this configuration of the source for checkpoints. */
  readonly scope: string
  readonly secrets: ReadonlyArray<string>
  readonly targetUrl: string
  readonly warnings: string[]
}

/**
 * Opens the `--from` source and `--to` target of a data command, runs `work`, and closes both.
 * The target's canonical model is prepared first.
 */
export async function usingDataRun<T>(
  options: DataOptions,
  work: (run: DataRun) => Promise<T>,
  prepare = true,
): Promise<T> {
  const config = await loadDataConfig(options.config)
  const plugin = await loadSource(String(options.from), config)
  let parsed: ReturnType<typeof parsePluginOptions<Record<string, unknown>>>
  try {
    parsed = parsePluginOptions(plugin.options, pluginFlagValues(plugin, options))
  } catch (error) {
    if (error instanceof PluginOptionError) throw new UsageError(error.message)
    throw error
  }
  const batchSize = Number(options.batchSize ?? 5000)
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new UsageError(`--batch-size ${options.batchSize} is not a positive integer.`)
  const timezone = String(options.timezone ?? 'UTC')
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone })
  } catch {
    throw new UsageError(`--timezone ${timezone} is not an IANA time zone (e.g. Asia/Kolkata, UTC).`)
  }
  const timeouts = timeoutConnectOptions(options)
  const warnings: string[] = []
  const context: PluginContext = {
    timezone,
    batchSize,
    cwd: process.cwd(),
    warn: (message) => warnings.push(message),
    ...(options.userId !== undefined ? { userId: String(options.userId) } : {}),
  }
  const targetUrl = String(options.to ?? DEFAULT_TARGET_URL)
  const toAuthToken = options.toAuthToken === undefined ? undefined : String(options.toAuthToken)
  const secrets = [...parsed.secrets, ...urlSecrets(targetUrl), ...(toAuthToken ? [toAuthToken] : [])]
  let source: Source | undefined
  let target: Target | undefined
  try {
    const targetPlugin = await loadTarget(targetUrl, config)
    target = await targetPlugin.create(
      targetUrl,
      {
        ...timeouts,
        ...(options.schema ? { schema: options.schema } : {}),
        ...(toAuthToken ? { authToken: toAuthToken } : {}),
      },
      context,
    )
    if (prepare) await target.prepare()
    source = await plugin.create(parsed.values, context)
    return await work({
      plugin,
      source,
      target,
      context,
      pluginOptions: parsed.values,
      redactedOptions: parsed.redacted,
      scope: JSON.stringify(parsed.redacted),
      secrets,
      targetUrl: redactUrl(targetUrl),
      warnings,
    })
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new Error(redactSecrets((error as Error).message, secrets), { cause: error })
  } finally {
    await source?.close().catch(() => {})
    await target?.close().catch(() => {})
  }
}

/**
 * The {@link DataMigrator} props every data command shares: the run's source, target, scope and
 * secrets, the stop signal, the lock timeout, progress, `--user-id` and `--rejects`. Each command adds
 * its own (`--resume`, `--full`, …).
 */
export function runProps(
  run: DataRun,
  options: { readonly rejects?: string | undefined },
  signal: AbortSignal,
  onProgress: DataMigratorProps['onProgress'] | undefined,
): DataMigratorProps {
  return {
    source: run.source,
    sourceName: run.plugin.name,
    scope: run.scope,
    target: run.target,
    options: run.redactedOptions,
    timeZone: run.context.timezone,
    secrets: run.secrets,
    signal,
    lockTimeoutMs: lockTimeoutMs(options),
    ...(onProgress ? { onProgress } : {}),
    ...(run.context.userId !== undefined ? { userId: run.context.userId } : {}),
    ...(options.rejects ? { rejectsFile: options.rejects } : {}),
  }
}
