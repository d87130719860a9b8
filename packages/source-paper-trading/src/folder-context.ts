import type { EntityRef } from '@ledgerport/core'
import type { SeenKeys } from '@ledgerport/source-kit'

/** What mapping the items of one file of one paper-trading folder needs. */
export interface FolderContext {
  /** The file as shown in rejects. */
  readonly file: string
  /** The folder's name (`unified_service`, `user_1`): the prefix of every source key. */
  readonly folder: string
  readonly timezone: string
  /** The folder's user, when folders are users and no `--user-id` was given. */
  readonly user?: EntityRef
  /** Keys seen so far in this file. */
  readonly seen: SeenKeys
  /** Paths of kept items by position, where duplicates should name them by key (`holdings.json`). */
  readonly kept?: Map<number, string>
}

/** `user_id` for a record of the folder: its user's reference, or nothing (the engine's `--user-id`). */
export function userOf(context: FolderContext): { user_id?: EntityRef } {
  return context.user ? { user_id: context.user } : {}
}
