import type { StreamProgress } from '@ledgerport/core'

const SPINNER = ['|', '/', '-', '\\']

/**
 * A one-line progress display per stream on stderr, only on a TTY; a no-op elsewhere.
 *
 * It counts one unit: canonical records read. A source's `count` is in its own rows (a trade becomes
 * an order, fills and a round trip), so it is shown beside the count (`of 100000 source rows`), never
 * as a bar or an ETA the two units would make wrong: `trades | 120000 records read (source: 100000 rows), 48000 records/s`.
 * The rate is over the time since the stream started (the previous stream's end, or the start of the run).
 */
export function createProgress(
  enabled: boolean,
  options: {
    /** Where to draw. Default is `process.stderr`. */
    stream?: NodeJS.WriteStream
    /** The clock, in ms. */
    now?: () => number
    /**
     * The total counts the same unit as `read` (`replicate`: rows of a table), so a bar and an ETA
     * are shown; the unit's name. Default: the total is in source rows, not records (`run`, `sync`).
     */
    sameUnit?: string
  } = {},
): {
  readonly enabled: boolean
  update(progress: StreamProgress): void
  done(): void
} {
  const out = options.stream ?? process.stderr
  if (!enabled || !out.isTTY) return { enabled: false, update: () => {}, done: () => {} }
  const now = options.now ?? Date.now
  const started = new Map<string, number>()
  let lastTick = now()
  let spin = 0
  let last = ''
  return {
    enabled: true,
    update(progress) {
      const tick = now()
      let start = started.get(progress.stream)
      if (start === undefined) {
        // The stream began when the one before it ended (or the run began), not at its first batch.
        start = lastTick
        started.set(progress.stream, start)
      }
      lastTick = tick
      const seconds = (tick - start) / 1000
      const perSecond = seconds >= 0.5 ? progress.read / seconds : undefined
      const unit = options.sameUnit ?? 'records'
      const rate = perSecond === undefined ? '' : `, ${Math.round(perSecond)} ${unit}/s`
      spin = (spin + 1) % SPINNER.length
      let line: string
      if (options.sameUnit && progress.total) {
        const share = Math.min(1, progress.read / progress.total)
        const bar = `[${'#'.repeat(Math.round(share * 20)).padEnd(20, '.')}]`
        const eta =
          perSecond && share < 1 ? ` eta ${Math.ceil((progress.total - progress.read) / perSecond)}s` : ''
        line = `${progress.stream} ${bar} ${progress.read}/${progress.total} ${unit}${rate}${eta}`
      } else {
        const total = progress.total === undefined ? '' : ` (source: ${progress.total} rows)`
        line = `${progress.stream} ${SPINNER[spin]} ${progress.read} ${unit} read${total}${rate}`
      }
      const width = out.columns ? out.columns - 1 : 0
      const shown = width > 0 && line.length > width ? line.slice(0, width) : line
      if (shown !== last) out.write(`\r\u001b[2K${shown}`)
      last = shown
    },
    done() {
      if (last) out.write('\r\u001b[2K')
    },
  }
}
