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
  /**
   * The process's peak resident set size once the case (with {@link compare}: all compared cases)
   * had run, in MB: a high-water mark of the process, not of this case alone.
   */
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
  const [measurement] = await compare([options], options)
  return measurement!
}

/**
 * Measures several cases (a baseline and what is compared with it) in interleaved rounds, the
 * order alternating each round, so drift in the machine's load or disk affects them alike and
 * their ratio stays meaningful. Each case's own `runs`/`warmup` are ignored; `options` sets them.
 */
export async function compare(
  cases: ReadonlyArray<MeasureOptions<any>>,
  options: { readonly runs?: number; readonly warmup?: number } = {},
): Promise<Measurement[]> {
  const runs = options.runs ?? 5
  const warmup = options.warmup ?? 1
  if (runs < 1) throw new RangeError('measure: runs must be at least 1.')
  const samples: number[][] = cases.map(() => [])
  for (let round = 0; round < warmup + runs; round++) {
    const order = cases.map((_, index) => index)
    if (round % 2) order.reverse()
    for (const index of order) {
      const wallMs = await runOnce(cases[index]!)
      if (round >= warmup) samples[index]!.push(wallMs)
    }
  }
  const rss = peakRssMb()
  return samples.map((samplesMs) => ({
    wallMs: median(samplesMs),
    minMs: Math.min(...samplesMs),
    maxMs: Math.max(...samplesMs),
    samplesMs,
    peakRssMb: rss,
  }))
}

async function runOnce<S>(options: MeasureOptions<S>): Promise<number> {
  const state = (await options.setup?.()) as S
  try {
    return (await timed(() => options.run(state))).wallMs
  } finally {
    await options.teardown?.(state)
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
