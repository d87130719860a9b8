import type { Checkpoint } from '@ledgerport/core'
import type { Document } from 'mongodb'
import type { SourceDocument } from './source-document.js'

/** A collection a reader found: on a server, or as a mongoexport file. */
export interface CollectionInfo {
  readonly name: string
  /** Where, for humans: `trading.users`, `export/users.json`. Never a secret. */
  readonly location: string
  /** How many documents it has, when that is cheap to know. */
  readonly documents?: number
}

/** Documents read in one go, and where reading again continues after them. */
export interface DocumentBatch {
  readonly documents: ReadonlyArray<SourceDocument & { readonly duplicateOf?: string }>
  readonly checkpoint: Checkpoint
}

/** Where the `mongo` source's documents come from: a server, or a folder of mongoexport files. */
export interface DocumentReader {
  /** What it reads, for messages: a URL without its password, or a folder. */
  readonly display: string
  /** What a collection is called in messages: `collection` or `file`. */
  readonly noun: string
  /** The collections there are. */
  collections(): Promise<ReadonlyArray<CollectionInfo>>
  /** A collection's documents in batches of about `batchSize`, after `from` when given. */
  read(collection: string, from: Checkpoint | undefined, batchSize: number): AsyncIterable<DocumentBatch>
  /** The users documents, for linking snapshots by firebase uid (only `_id` and the uids are needed). */
  users(): AsyncIterable<Document>
  /** How many documents (or values, in a file) a collection has. */
  count(collection: string): Promise<number>
  close(): Promise<void>
}
