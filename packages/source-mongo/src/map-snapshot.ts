import type { JsonValue } from '@ledgerport/core'
import { idText, isObjectId, toRelaxedJson } from './bson-values.js'
import { DocumentFields } from './document-fields.js'
import type { Mapped } from './mapped.js'
import { rejectOf, type SourceDocument, unreadableReject } from './source-document.js'
import type { UserLinks } from './user-links.js'

/** The fields of a portfoliosnapshots document each `portfolio_snapshots` column reads, first present wins. */
export const SNAPSHOT_FIELDS = {
  user_id: ['userId', 'user', 'user_id'],
  total_value: ['totalValue', 'total_value', 'equity', 'portfolioValue'],
  cash: ['cashBalance', 'cash', 'cash_balance'],
  positions_value: ['positionsValue', 'positions_value'],
  realized_pnl: ['realizedPnl', 'realizedPnL', 'realized_pnl'],
  unrealized_pnl: ['unrealizedPnl', 'unrealizedPnL', 'unrealized_pnl'],
  currency: ['currency'],
  holdings: ['positions', 'holdings'],
  taken_at: ['timestamp', 'recordedAt', 'takenAt', 'createdAt', 'date'],
} as const

/** The outcome of {@link mapSnapshot}: also whether the snapshot names a user no users document has. */
export interface MappedSnapshot extends Mapped {
  /** The `userId` text that matched no user: the snapshot is kept without a user. */
  readonly unlinked?: string
}

/**
 * A `portfoliosnapshots` document → a `portfolio_snapshots` row keyed `snapshot:<_id>`: its user
 * (see {@link UserLinks}), `total_value` (required), `cash`, `positions_value`, P&L, `currency`, the
 * positions as `holdings` (JSON), and its time (required) as `taken_at`; everything else (the
 * timeframe, `data`, timestamps not used, a `userId` that is not an ObjectId) goes to `extra`.
 */
export function mapSnapshot(source: SourceDocument, timeZone: string, links: UserLinks): MappedSnapshot {
  const document = source.document
  if (!document) return { reject: unreadableReject(source, 'portfolio_snapshots') }
  const fields = new DocumentFields(document, timeZone)
  if (document._id === undefined || document._id === null)
    fields.issue('_id', 'is missing; every document needs one')
  const user = fields.first(SNAPSHOT_FIELDS.user_id)
  const link = user ? links.resolve(user.value) : undefined
  if (link && 'issue' in link) fields.issue(user!.field, link.issue)
  // Only an ObjectId is the user's `_id` itself; other values (a firebase uid, hex text) stay in extra.
  if (user && !isObjectId(user.value)) fields.release(user.field)
  const totalValue = fields.decimal(SNAPSHOT_FIELDS.total_value, {
    required: true,
    what: "the portfolio's total value",
  })
  const cash = fields.decimal(SNAPSHOT_FIELDS.cash, { what: 'a cash balance' })
  const positionsValue = fields.decimal(SNAPSHOT_FIELDS.positions_value, { what: 'a positions value' })
  const realizedPnl = fields.decimal(SNAPSHOT_FIELDS.realized_pnl, { what: 'a P&L' })
  const unrealizedPnl = fields.decimal(SNAPSHOT_FIELDS.unrealized_pnl, { what: 'a P&L' })
  const currency = fields.text(SNAPSHOT_FIELDS.currency, { what: 'a currency' })
  const holdings = fields.first(SNAPSHOT_FIELDS.holdings)
  if (holdings && (typeof holdings.value !== 'object' || holdings.value instanceof Date))
    fields.issue(holdings.field, 'is not a list of positions; store an array or a document')
  const takenAt = fields.instant(SNAPSHOT_FIELDS.taken_at, {
    required: true,
    what: 'the time of the snapshot',
  })
  if (fields.issues.length > 0) return { reject: rejectOf(source, 'portfolio_snapshots', fields.issues) }
  const extra = fields.extra()
  return {
    record: {
      entity: 'portfolio_snapshots',
      sourceKey: `snapshot:${idText(document._id)}`,
      values: {
        user_id: link && 'ref' in link ? link.ref : undefined,
        currency,
        total_value: totalValue,
        cash,
        positions_value: positionsValue,
        realized_pnl: realizedPnl,
        unrealized_pnl: unrealizedPnl,
        holdings: holdings ? (toRelaxedJson(holdings.value) as JsonValue) : undefined,
        taken_at: takenAt,
      },
      ...(Object.keys(extra).length ? { extra } : {}),
      location: source.location,
      ...(fields.naiveTimes ? { naiveTimes: fields.naiveTimes } : {}),
    },
    ...(link && 'unlinked' in link ? { unlinked: link.unlinked } : {}),
  }
}
