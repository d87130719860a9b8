import { UsageError } from './exit-code.js'

/** `30s`, `5m`, `1h`, `1d`, `500ms` or plain seconds → milliseconds; a usage error otherwise. */
export function parseInterval(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(text.trim())
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }
  const ms = match
    ? Number(match[1]) * unit[(match[2]?.toLowerCase() ?? 's') as keyof typeof unit]
    : Number.NaN
  if (!(ms > 0)) throw new UsageError(`${flag} ${text} is not an interval like 30s, 5m or 1h.`)
  return ms
}

/** Seconds as `45s`, `12m`, `5h` or `3d`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${seconds}s`
  if (seconds < 7_200) return `${Math.round(seconds / 60)}m`
  if (seconds < 172_800) return `${Math.round(seconds / 3_600)}h`
  return `${Math.round(seconds / 86_400)}d`
}

/** Waits `ms`, or less if `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve()
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
