import {
  JsonFieldReader,
  type JsonItem,
  jsonPath,
  type Mapped,
  readSymbol,
  recordOf,
} from '@ledgerport/source-kit'
import { type FolderContext, userOf } from './folder-context.js'

/**
 * One holding of `holdings.json` (an object keyed by symbol) → the folder user's position in that
 * symbol, keyed by the cleaned symbol, so a re-run updates the position in place. Reads the bot's
 * shape (`average_price`, `pnl`) and the migration doc's (`avg_price`, `unrealized_pnl`, `opened_at`).
 */
export function mapHolding(context: FolderContext, item: JsonItem): Mapped {
  const path = jsonPath(item.section, item.key ?? item.index)
  const location = { file: context.file, path }
  const read = recordOf(context.file, path, 'positions', item, 'a holding')
  if ('reject' in read) return read
  const holding = read.object
  const r = new JsonFieldReader(holding, context.timezone)
  // The entry's key is the symbol when the holding has none of its own.
  const withKey =
    holding.symbol == null && item.key !== undefined ? { ...holding, symbol: item.key } : holding
  const symbol = readSymbol(new JsonFieldReader(withKey, context.timezone), 'symbol')
  r.value('symbol')
  if (!symbol) r.issue('symbol', 'is missing, and the entry has no key to take it from')
  const quantity = r.decimal(['quantity', 'qty'], { required: true, what: 'a quantity' })
  if (quantity?.startsWith('-'))
    r.issue('quantity', `${quantity} is below 0; paper holdings are long only: fix it or remove the holding`)
  const avgPrice = r.decimal(['average_price', 'avg_price'], { money: true, positive: true, what: 'a price' })
  const unrealized = r.decimal(['pnl', 'unrealized_pnl'], { money: true, what: 'a P&L' })
  const realized = r.decimal('realized_pnl', { money: true, what: 'a P&L' })
  const openedAt = r.time('opened_at')
  const exchange = r.text('exchange')
  const reject = r.reject(context.file, path, 'positions', holding)
  if (reject) return { reject }

  const key = `${context.folder}:position:${symbol!.symbol}`
  const seen = context.seen.add(key, '', item.index)
  if ('duplicateOf' in seen || seen.ordinal > 1) {
    return {
      duplicate: {
        location,
        reason: `same symbol ${symbol!.symbol} as ${('duplicateOf' in seen && context.kept?.get(seen.duplicateOf)) || 'an earlier holding'} (position ${key}), which was kept`,
      },
    }
  }
  context.kept?.set(item.index, path)
  const open = !/^0*(\.0*)?$/.test(quantity!)
  return {
    records: [
      {
        entity: 'positions',
        sourceKey: key,
        location,
        values: {
          ...userOf(context),
          exchange,
          symbol: symbol!.symbol,
          raw_symbol: symbol!.raw,
          side: 'buy',
          quantity,
          avg_price: avgPrice,
          unrealized_pnl: unrealized,
          realized_pnl: realized,
          status: open ? 'open' : 'closed',
          opened_at: openedAt,
        },
        extra: r.extra(),
      },
    ],
  }
}
