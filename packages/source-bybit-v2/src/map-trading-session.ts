import {
  buildExtra,
  idValue,
  jsonValue,
  type MapContext,
  type MapResult,
  noteJson,
  rejectRow,
  rowLocation,
} from './map-context.js'
import { RowReader } from './row-reader.js'
import { keys } from './source-keys.js'
import type { V2Row } from './v2-database.js'

/**
 * One v2 `trading_sessions` row → a trading session keyed by its `session_id` (which trades name),
 * unique by it (a later row with the same `session_id` is a duplicate). Counters, P&L, drawdown,
 * win rate, config snapshot, errors and metadata go to `extra`.
 */
export function mapTradingSession(
  row: V2Row,
  firstRows: ReadonlyMap<string, string>,
  context: MapContext,
): MapResult {
  const r = new RowReader(row, context.timeZone)
  const id = r.id('id') ?? ''
  const sessionId = r.text('session_id', { unset: true })
  if (sessionId === null) {
    r.issue('session_id', 'is empty, and trades link sessions by it; give the session an id')
    return { records: [], rejects: [rejectRow(context, id, r, row)] }
  }
  const first = firstRows.get(sessionId)
  if (first !== undefined && first !== id) {
    return {
      records: [],
      rejects: [],
      duplicates: [
        {
          location: rowLocation(context, id),
          reason: `trading_sessions id=${id} has the same session_id ${sessionId} as id=${first}, which was kept.`,
        },
      ],
    }
  }
  const startedAt = r.instant('started_at')
  const endedAt = r.instant('ended_at')
  const statusRaw = r.text('status')
  const totalTrades = r.integer('total_trades')
  const profitableTrades = r.integer('profitable_trades')
  const totalPnl = r.decimal('total_pnl')
  const maxDrawdown = r.decimal('max_drawdown')
  const winRate = r.decimal('win_rate')
  const configSnapshot = r.json('config_snapshot')
  const errorCount = r.integer('error_count')
  const lastError = r.text('last_error')
  const metadata = r.json('metadata')
  if (r.issues.length > 0) return { records: [], rejects: [rejectRow(context, id, r, row)] }
  noteJson(context, id, r)

  const fields: Record<string, unknown> = {
    v2_session_id: idValue(id),
    total_trades: totalTrades,
    profitable_trades: profitableTrades,
    total_pnl: totalPnl,
    max_drawdown: maxDrawdown,
    win_rate: winRate,
    error_count: errorCount,
    last_error: lastError,
  }
  fields.config_snapshot = jsonValue(configSnapshot, fields, 'config_snapshot')
  fields.metadata = jsonValue(metadata, fields, 'metadata')
  return {
    records: [
      {
        entity: 'trading_sessions',
        sourceKey: keys.session(sessionId),
        values: {
          name: sessionId,
          status: statusRaw === null ? null : statusRaw.trim().toLowerCase(),
          source_status: statusRaw,
          started_at: startedAt?.raw ?? null,
          ended_at: endedAt?.raw ?? null,
        },
        extra: buildExtra(r, fields),
        location: rowLocation(context, id),
      },
    ],
    rejects: [],
  }
}
