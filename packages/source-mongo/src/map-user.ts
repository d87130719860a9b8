import { idText } from './bson-values.js'
import { DocumentFields } from './document-fields.js'
import type { Mapped } from './mapped.js'
import { rejectOf, type SourceDocument, unreadableReject } from './source-document.js'
import { userSourceKey } from './user-links.js'

/** The fields of a users document each `users` column reads, first present wins (older schemas after). */
export const USER_FIELDS = {
  email: ['email'],
  name: ['name', 'displayName', 'fullName'],
  role: ['role'],
  paper_balance: ['paperBalance', 'paper_balance', 'paperTradingBalance'],
  firebase_uid: ['firebaseUid', 'firebase_uid'],
} as const

/**
 * A `users` document → a `users` row keyed `user:<_id>`: `external_id` is the `_id` (an ObjectId's
 * hex), `email` (required), `name`, `role`, `paper_balance` (exact); every other field goes to
 * `extra` as relaxed Extended JSON. A document without an email, or with fields of the wrong type,
 * is one reject naming them all.
 */
export function mapUser(source: SourceDocument, timeZone: string): Mapped {
  const document = source.document
  if (!document) return { reject: unreadableReject(source, 'users') }
  const fields = new DocumentFields(document, timeZone)
  if (document._id === undefined || document._id === null)
    fields.issue('_id', 'is missing; every document needs one')
  const email = fields.text(USER_FIELDS.email, { required: true, what: 'an email' })
  const name = fields.text(USER_FIELDS.name, { what: 'a name' })
  const role = fields.text(USER_FIELDS.role, { what: 'a role' })
  const paperBalance = fields.decimal(USER_FIELDS.paper_balance, { what: 'a paper balance' })
  const firebaseUid = fields.text(USER_FIELDS.firebase_uid, { what: 'a firebase uid' })
  if (fields.issues.length > 0) return { reject: rejectOf(source, 'users', fields.issues) }
  const extra = fields.extra()
  return {
    record: {
      entity: 'users',
      sourceKey: userSourceKey(document._id),
      values: {
        external_id: idText(document._id),
        email,
        name,
        role,
        paper_balance: paperBalance,
        firebase_uid: firebaseUid,
      },
      ...(Object.keys(extra).length ? { extra } : {}),
      location: source.location,
      ...(fields.naiveTimes ? { naiveTimes: fields.naiveTimes } : {}),
    },
  }
}
