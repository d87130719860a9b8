import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, platform, release } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Measurement } from './measure.js'

/** One line of a bench report. */
export interface BenchRow {
  /** The suite (`migrate`, `engine`, …). */
  readonly suite: string
  /** What was measured. */
  readonly case: string
  /** Median wall time, in ms. */
  readonly wallMs: number
  /** Fastest and slowest timed run, in ms. */
  readonly minMs: number
  readonly maxMs: number
  /** How many timed runs the median is of. */
  readonly runs: number
  /** The case this one is compared with (same suite, same process); absent when there is none. */
  readonly baseline?: string
  /** `wallMs / baseline's wallMs`: below 1 is faster than the baseline. 1 on the baseline itself. */
  readonly ratio?: number
  /** The process's peak RSS after this case, in MB. */
  readonly peakRssMb: number
  /** Rows the case moved, when it moves rows. */
  readonly rows?: number
  /** `rows` per second of `wallMs`. */
  readonly rowsPerSecond?: number
}

/** A bench row from a measurement, compared with `baseline` when given (a row of the same suite). */
export function benchRow(
  suite: string,
  name: string,
  measurement: Measurement,
  baseline?: BenchRow | 'self',
): BenchRow {
  const comparison =
    baseline === 'self'
      ? { baseline: name, ratio: 1 }
      : baseline
        ? { baseline: baseline.case, ratio: measurement.wallMs / baseline.wallMs }
        : {}
  return {
    suite,
    case: name,
    wallMs: measurement.wallMs,
    minMs: measurement.minMs,
    maxMs: measurement.maxMs,
    runs: measurement.samplesMs.length,
    ...comparison,
    peakRssMb: measurement.peakRssMb,
  }
}

/** The rows as an aligned text table: suite, case, wall ms, ratio to baseline, peak RSS MB. */
export function renderTable(rows: ReadonlyArray<BenchRow>): string {
  const header = ['suite', 'case', 'wall ms', 'ratio to baseline', 'rows/s', 'peak RSS MB']
  const body = rows.map((row) => [
    row.suite,
    row.case,
    row.wallMs.toFixed(1),
    row.ratio === undefined ? '-' : row.baseline === row.case ? 'baseline' : `${row.ratio.toFixed(2)}x`,
    row.rowsPerSecond === undefined ? '-' : row.rowsPerSecond.toLocaleString('en'),
    row.peakRssMb.toFixed(1),
  ])
  const numeric = [false, false, true, true, true, true]
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => cells[column]!.length)),
  )
  const line = (cells: ReadonlyArray<string>): string =>
    cells
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n')
}

/** Where results go: `tooling/bench/results/` (its `*.json` files are not committed). */
export const RESULTS_DIR: string = fileURLToPath(new URL('../results/', import.meta.url))

/**
 * Writes the rows, with what machine and runtime produced them, to
 * `results/<timestamp>-<suites>.json`, and returns the file's path.
 */
export async function writeResults(
  rows: ReadonlyArray<BenchRow>,
  options: { suites: ReadonlyArray<string>; startedAt: Date; dir?: string },
): Promise<string> {
  const dir = options.dir ?? RESULTS_DIR
  await mkdir(dir, { recursive: true })
  const stamp = options.startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  const file = join(dir, `${stamp}-${options.suites.join('-')}.json`)
  const document = {
    startedAt: options.startedAt.toISOString(),
    suites: options.suites,
    node: process.version,
    platform: `${platform()} ${release()}`,
    arch: process.arch,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length,
    rows,
  }
  await writeFile(file, `${JSON.stringify(document, null, 2)}\n`)
  return file
}
