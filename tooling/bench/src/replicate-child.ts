import { performance } from 'node:perf_hooks'
import { connect } from '@ledgerport/core'
import { connectSource, Replicator } from '@ledgerport/replicate'

/** What the replicate suite asks the child to run. */
export interface ReplicateChildRun {
  /** Source URL (opened read-only). */
  readonly from: string
  /** Target URL. */
  readonly to: string
  /** Tables copied at once; default: the number of cores. */
  readonly jobs?: number
  /** Read and compare every table even when the source file is unchanged (`--full`). */
  readonly full?: boolean
}

/** What the child measured. */
export interface ReplicateChildResult {
  /** Wall time of `Replicator.run()` alone, in ms. */
  readonly wallMs: number
  readonly read: number
  readonly inserted: number
  readonly updated: number
  readonly deleted: number
  readonly unchanged: number
  /** The child's own peak RSS, in MB. */
  readonly peakRssMb: number
}

/**
 * One `ledgerport replicate` in its own process, so its peak RSS is its own:
 * `node replicate-child.js JSON` (a {@link ReplicateChildRun}) prints a {@link ReplicateChildResult}.
 */
async function main(job: ReplicateChildRun): Promise<void> {
  const jobs = job.jobs ?? undefined
  const source = await connectSource(job.from, jobs ? { poolSize: jobs + 1 } : {})
  const target = await connect(job.to, jobs ? { poolSize: jobs + 1 } : {})
  try {
    const started = performance.now()
    const result = await new Replicator({
      source,
      target,
      rejectsFile: false,
      ...(jobs ? { jobs } : {}),
      ...(job.full ? { full: true } : {}),
    }).run()
    const wallMs = performance.now() - started
    if (result.error) throw result.error
    const { read, inserted, updated, deleted, unchanged } = result.totals
    const out: ReplicateChildResult = {
      wallMs,
      read,
      inserted,
      updated,
      deleted,
      unchanged,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    }
    process.stdout.write(`${JSON.stringify(out)}\n`)
  } finally {
    await source.close()
    await target.close()
  }
}

await main(JSON.parse(process.argv[2]!) as ReplicateChildRun)
