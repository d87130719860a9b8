import {
  addDecimals,
  JsonFieldReader,
  type JsonItem,
  jsonPath,
  type Mapped,
  recordOf,
} from '@ledgerport/source-kit'
import { type FolderContext, userOf } from './folder-context.js'

/**
 * `account.json` (as one item) → the folder user's cash balance in `currency`: `free` =
 * available_cash, `used` = margin_used, `total` = their sum, as of `last_updated`. Capital and P&L
 * figures stay in extra.
 */
export function mapAccount(context: FolderContext, item: JsonItem, currency: string): Mapped {
  // An entry nested too deep is named by its key; otherwise the record is the whole file.
  const read = recordOf(
    context.file,
    item.tooDeep ? jsonPath(null, item.key ?? '') : '',
    'balances',
    item,
    'an account',
  )
  if ('reject' in read) return read
  const account = read.object
  const r = new JsonFieldReader(account, context.timezone)
  const free = r.decimal('available_cash', { required: true, money: true, what: 'an amount' })
  const used = r.decimal('margin_used', { money: true, what: 'an amount' })
  const asOf = r.time('last_updated')
  const reject = r.reject(context.file, '', 'balances', account)
  if (reject) return { reject }
  const key = `${context.folder}:balance:${currency}`
  return {
    records: [
      {
        entity: 'balances',
        sourceKey: key,
        location: { file: context.file },
        values: {
          ...userOf(context),
          currency,
          total: used === undefined ? free : addDecimals(free!, used),
          free,
          used,
          as_of: asOf,
        },
        extra: r.extra(),
      },
    ],
  }
}
