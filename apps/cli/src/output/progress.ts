import type { StreamProgress } from '@ledgerport/core'

/** A one-line progress display per stream on stderr, only on a TTY; a no-op elsewhere. */
export function createProgress(enabled: boolean): {
  readonly enabled: boolean
  update(progress: StreamProgress): void
  done(): void
} {
  if (!enabled || !process.stderr.isTTY) return { enabled: false, update: () => {}, done: () => {} }
  const started = new Map<string, number>()
  let last = ''
  return {
    enabled: true,
    update(progress) {
      const start = started.get(progress.stream) ?? Date.now()
      started.set(progress.stream, start)
      const seconds = Math.max(0.001, (Date.now() - start) / 1000)
      const rate = progress.read / seconds
      const share = progress.total ? Math.min(1, progress.read / progress.total) : undefined
      const bar = share === undefined ? '' : `[${'#'.repeat(Math.round(share * 20)).padEnd(20, '.')}] `
      const eta =
        share !== undefined && share < 1 && rate > 0
          ? ` eta ${Math.round((progress.total! - progress.read) / rate)}s`
          : ''
      const line = `${progress.stream} ${bar}${progress.read}${progress.total ? `/${progress.total}` : ''} records, ${Math.round(rate)}/s${eta}`
      if (line !== last) process.stderr.write(`\r\u001b[2K${line}`)
      last = line
    },
    done() {
      if (last) process.stderr.write('\r\u001b[2K')
    },
  }
}
