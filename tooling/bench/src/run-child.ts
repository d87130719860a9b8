import { performance } from 'node:perf_hooks'
import { DataMigrator, loadSourcePlugin, loadTargetPlugin, parsePluginOptions } from '@ledgerport/core'

/** What the parent asks the child to run. */
export interface ChildRun {
  readonly from: string
  readonly options: Record<string, unknown>
  readonly to: string
  readonly batchSize?: number
  /** Run as `ledgerport sync` does: every stream continues from its stored checkpoint. */
  readonly incremental?: boolean
}

/** What the child measured. */
export interface ChildResult {
  readonly wallMs: number
  /** Source records read. */
  readonly read: number
  /** Rows written or found unchanged. */
  readonly rows: number
  readonly inserted: number
  readonly updated: number
  readonly peakRssMb: number
}

/**
 * One `ledgerport run` in its own process, so its peak RSS is its own. `node run-child.js JSON`
 * (a {@link ChildRun}) prints a {@link ChildResult}.
 */
async function main(job: ChildRun): Promise<void> {
  const importer = (specifier: string) => import(specifier)
  const context = { timezone: 'UTC', batchSize: job.batchSize ?? 5_000, cwd: process.cwd(), warn: () => {} }
  const plugin =
    job.from === 'synthetic'
      ? (await import('@ledgerport/core/testing/synthetic')).syntheticSource
      : await loadSourcePlugin(job.from, { importer, packageName: `@ledgerport/source-${job.from}` })
  const candidates = ['@ledgerport/target-postgres', '@ledgerport/target-sqlite']
  const target = await (await loadTargetPlugin(job.to, { importer, candidates })).create(job.to, {}, context)
  await target.prepare()
  const source = await plugin.create(parsePluginOptions(plugin.options, job.options).values, context)
  const started = performance.now()
  const result = await new DataMigrator({
    source,
    sourceName: plugin.name,
    target,
    rejectsFile: false,
    ...(job.incremental ? { incremental: true } : {}),
  }).run()
  const wallMs = performance.now() - started
  await source.close()
  await target.close()
  if (result.error) throw result.error
  const { read, inserted, updated, unchanged } = result.totals
  const out: ChildResult = {
    wallMs,
    read,
    rows: inserted + updated + unchanged,
    inserted,
    updated,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }
  process.stdout.write(`${JSON.stringify(out)}\n`)
}

await main(JSON.parse(process.argv[2]!) as ChildRun)
