import { performance } from 'node:perf_hooks'

/** What {@link measure} found: wall time over several runs, and the process's peak RSS afterwards. */
export interface Measurement {
  /** Median wall time of the timed runs, in ms. */
  readonly wallMs: number
  /** Fastest timed run, in ms. */
  readonly minMs: number
  /** Slowest timed run, in ms. */
  readonly maxMs: number
  /** Every timed run, in ms, in the order they ran. */
  readonly samplesMs: ReadonlyArray<number>
  /** The process's peak resident set size so far (a high-water mark, not this case's alone), in MB. */
  readonly peakRssMb: number
}

/** A case to time: `setup` and `teardown` run around each run and are not timed. */
export interface MeasureOptions<S> {
  /** Timed runs. Default is 5. */
  readonly runs?: number
  /** Untimed runs first (JIT, caches, first-open costs). Default is 1. */
  readonly warmup?: number
  /** Prepares one run (fresh database, fresh files); its result is passed to `run` and `teardown`. */
  readonly setup?: () => Promise<S>
  /** The work being measured. */
  readonly run: (state: S) => Promise<void>
  /** Cleans up after one run. */
  readonly teardown?: (state: S) => Promise<void>
}

/** Runs a case `warmup + runs` times and reports the median wall time and peak RSS. */
export async function measure<S = undefined>(options: MeasureOptions<S>): Promise<Measurement> {
  const runs = options.runs ?? 5
  const warmup = options.warmup ?? 1
  if (runs < 1) throw new RangeError('measure: runs must be at least 1.')
  const samplesMs: number[] = []
  for (let index = 0; index < warmup + runs; index++) {
    const state = (await options.setup?.()) as S
    try {
      const { wallMs } = await timed(() => options.run(state))
      if (index >= warmup) samplesMs.push(wallMs)
    } finally {
      await options.teardown?.(state)
    }
  }
  return {
    wallMs: median(samplesMs),
    minMs: Math.min(...samplesMs),
    maxMs: Math.max(...samplesMs),
    samplesMs,
    peakRssMb: peakRssMb(),
  }
}

/** Runs `work` once and returns its value and wall time in ms. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; wallMs: number }> {
  const started = performance.now()
  const value = await work()
  return { value, wallMs: performance.now() - started }
}

/** The process's peak resident set size so far, in MB (`process.resourceUsage().maxRSS` is in KB). */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024
}

/** The median of a non-empty list. */
export function median(values: ReadonlyArray<number>): number {
  if (values.length === 0) throw new RangeError('median of an empty list')
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
