import type { Kysely } from 'kysely'
import type { DatabaseKind } from '../db/connection-url.js'
import type { StreamResult } from './data-migrator.js'
import { RunLedger } from './run-ledger.js'

/**
 * Where one bot's sync stands. A bot is the part of a stream name before its last `/`
 * (`bot-a/trades` → `bot-a`); a source without `/` in its stream names counts each stream.
 */
export interface BotSyncStatus {
  readonly source: string
  readonly bot: string
  /** `ok`: its last sync succeeded; `failing`: an error came after its last success; `never`: no success yet. */
  readonly state: 'ok' | 'failing' | 'never'
  /** When its streams last all succeeded. */
  readonly lastSuccessAt: string | null
  /** Seconds since then. */
  readonly lagSeconds: number | null
  readonly lastErrorAt: string | null
  readonly lastError: string | null
  /** The newest run that touched it. */
  readonly lastRunId: string
}

/**
 * Per bot: the last successful sync, its lag and its last error, from the newest 1,000 finished
 * runs in `ledgerport_runs` (seed 003's sync-lag check).
 */
export async function syncStatus(
  db: Kysely<any>,
  kind: DatabaseKind,
  options: { readonly source?: string; readonly now?: number } = {},
): Promise<BotSyncStatus[]> {
  const runs = await new RunLedger(kind).listRuns(db, {
    limit: 1_000,
    ...(options.source ? { source: options.source } : {}),
  })
  const bots = new Map<string, { -readonly [K in keyof BotSyncStatus]: BotSyncStatus[K] }>()
  for (const run of runs) {
    if (!run.finishedAt) continue
    const perBot = new Map<string, StreamResult[]>()
    for (const result of (run.counts?.streams ?? []) as StreamResult[]) {
      const slash = result.stream.lastIndexOf('/')
      const bot = slash > 0 ? result.stream.slice(0, slash) : result.stream
      perBot.set(bot, [...(perBot.get(bot) ?? []), result])
    }
    for (const [bot, results] of perBot) {
      const key = `${run.source}\u0000${bot}`
      const status = bots.get(key) ?? {
        source: run.source,
        bot,
        state: 'never' as const,
        lastSuccessAt: null,
        lagSeconds: null,
        lastErrorAt: null,
        lastError: null,
        lastRunId: run.id,
      }
      bots.set(key, status)
      const failed = results.find((r) => r.status === 'Error')
      if (failed && !status.lastErrorAt) {
        status.lastErrorAt = run.finishedAt
        status.lastError = `${failed.stream}: ${failed.error ?? 'failed'}`
      }
      if (!status.lastSuccessAt && results.every((r) => r.status === 'Success'))
        status.lastSuccessAt = run.finishedAt
    }
  }
  const now = options.now ?? Date.now()
  const list = [...bots.values()].sort(
    (a, b) => a.source.localeCompare(b.source) || a.bot.localeCompare(b.bot),
  )
  for (const status of list) {
    if (status.lastSuccessAt) status.lagSeconds = Math.round((now - Date.parse(status.lastSuccessAt)) / 1000)
    status.state = !status.lastSuccessAt
      ? 'never'
      : status.lastErrorAt && status.lastErrorAt > status.lastSuccessAt
        ? 'failing'
        : 'ok'
  }
  return list
}
