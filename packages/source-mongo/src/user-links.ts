import type { EntityRef } from '@ledgerport/core'
import type { Document } from 'mongodb'
import { bsonKind, bsonTag, describeBson, idText, isObjectId } from './bson-values.js'

/** How a snapshot's `userId` resolved: a user, no user found, or a value that cannot name one. */
export type UserLink =
  | { readonly ref: EntityRef }
  | { readonly unlinked: string }
  | { readonly issue: string }

const HEX_OBJECT_ID = /^[0-9a-fA-F]{24}$/

/** The source key of the `users` row of a user document's `_id`. */
export function userSourceKey(id: unknown): string {
  return `user:${idText(id)}`
}

/**
 * Turns a snapshot's `userId` into a reference to its user's row. An ObjectId, or its 24-hex text
 * (a common Mongoose slip), is the user's `_id`: the row id is computed from it, without lookups.
 * Other text is a firebase uid (the seed's own migration script links snapshots that way) or a
 * string `_id`: for those the users collection is read once, for `_id`, `firebaseUid` and
 * `firebase_uid`. Text no user has leaves the snapshot without a user.
 */
export class UserLinks {
  readonly #loadUsers: () => AsyncIterable<Document>
  #index: Map<string, string> | undefined

  /** `loadUsers` yields the users documents (their `_id`, `firebaseUid` and `firebase_uid` suffice). */
  constructor(loadUsers: () => AsyncIterable<Document>) {
    this.#loadUsers = loadUsers
  }

  /** Reads the users' uids when one of these values needs them (text that is not an ObjectId's hex). */
  async prepare(values: ReadonlyArray<unknown>): Promise<void> {
    if (this.#index || !values.some((value) => typeof value === 'string' && !HEX_OBJECT_ID.test(value)))
      return
    const index = new Map<string, string>()
    for await (const user of this.#loadUsers()) {
      const key = userSourceKey(user._id)
      for (const uid of [user._id, user.firebaseUid, user.firebase_uid])
        if (typeof uid === 'string' && uid !== '' && !index.has(uid)) index.set(uid, key)
    }
    this.#index = index
  }

  /** The link of a `userId` value (after {@link prepare} for text). */
  resolve(value: unknown): UserLink {
    if (isObjectId(value)) return { ref: { ref: 'users', sourceKey: userSourceKey(value) } }
    if (bsonTag(value) === 'DBRef') return this.resolve((value as { oid: unknown }).oid)
    if (typeof value === 'string' && value.trim() !== '') {
      const text = value.trim()
      if (HEX_OBJECT_ID.test(text)) return { ref: { ref: 'users', sourceKey: `user:${text.toLowerCase()}` } }
      const key = this.#index?.get(text)
      if (key) return { ref: { ref: 'users', sourceKey: key } }
      return { unlinked: text }
    }
    return {
      issue: `${describeBson(value)} is not a user reference (${bsonKind(value)}); expected the user's ObjectId, its hex text, or the user's firebase uid`,
    }
  }
}
