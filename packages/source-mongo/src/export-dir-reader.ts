import { readdir, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Checkpoint } from '@ledgerport/core'
import { displayPath } from '@ledgerport/source-kit'
import type { Document } from 'mongodb'
import { idLabel, idText, isDocument } from './bson-values.js'
import type { CollectionInfo, DocumentBatch, DocumentReader } from './document-reader.js'
import { type ExportLayout, type ExportPosition, readExportItems } from './export-file.js'
import { ExtendedJsonError, parseExtendedJson } from './extended-json.js'
import type { SourceDocument } from './source-document.js'

/** The file names a collection's export may have in the folder, in order of preference. */
export const EXPORT_FILES: Readonly<Record<string, ReadonlyArray<string>>> = {
  users: ['users.json', 'users.jsonl'],
  // The seed's own script wrote `mongoexport --collection=portfoliosnapshots --out=snapshots.json`.
  portfoliosnapshots: ['portfoliosnapshots.json', 'portfoliosnapshots.jsonl', 'snapshots.json'],
}

const EXPORT_EXTENSION = /\.(json|jsonl|ndjson)$/i
const LAYOUTS: ReadonlyArray<ExportLayout> = ['lines', 'array', 'concatenated']

/** A file checkpoint: where reading stopped, and the file it stopped in (size and time). */
interface FilePosition extends ExportPosition {
  readonly size: number
  readonly mtimeMs: number
}

function positionOf(from: Checkpoint | undefined): FilePosition | undefined {
  if (!from || typeof from !== 'object' || Array.isArray(from)) return undefined
  const { offset, line, index, layout, size, mtimeMs } = from
  if (
    typeof offset !== 'number' ||
    typeof line !== 'number' ||
    typeof index !== 'number' ||
    typeof size !== 'number' ||
    typeof mtimeMs !== 'number' ||
    !LAYOUTS.includes(layout as ExportLayout)
  )
    return undefined
  return { offset, line, index, layout: layout as ExportLayout, size, mtimeMs }
}

/** The raw text kept in a reject of a document that cannot be read. */
const MAX_TEXT = 1000

/**
 * Reads mongoexport files from a folder (`mongoexport --collection=users --out=users.json`): each
 * file streamed value by value, in the file's order; JSON Lines, `--jsonArray` and `--pretty`, Extended
 * JSON v2 relaxed or canonical (and v1). A checkpoint is a byte offset with its line and index, and
 * the file's size and time: a file that changed since starts over (rows already written count as
 * unchanged). Two documents with one `_id` in a file: the later is a duplicate.
 */
export class ExportDirReader implements DocumentReader {
  readonly display: string
  readonly noun = 'file'
  readonly #dir: string
  readonly #cwd: string
  readonly #warn: (message: string) => void

  constructor(dir: string, cwd: string, warn: (message: string) => void) {
    this.#dir = resolve(cwd, dir)
    this.#cwd = cwd
    this.#warn = warn
    this.display = this.#show(this.#dir)
  }

  /** The collections whose export files the folder has, then its other `*.json` files. */
  async collections(): Promise<ReadonlyArray<CollectionInfo>> {
    return (await this.#scan()).infos
  }

  /** A file's documents in its order, in batches, after the checkpoint's offset when given. */
  async *read(
    collection: string,
    from: Checkpoint | undefined,
    batchSize: number,
  ): AsyncGenerator<DocumentBatch> {
    const path = await this.#path(collection)
    const display = this.#show(path)
    const info = await stat(path)
    let start = positionOf(from)
    if (start && (start.size !== info.size || start.mtimeMs !== info.mtimeMs)) {
      this.#warn(
        `${display} changed since the checkpoint (size or time): it is read again from the start; rows already written count as unchanged.`,
      )
      start = undefined
    }
    const fingerprint = { size: info.size, mtimeMs: info.mtimeMs }
    const seen = new Map<string, number>()
    let documents: Array<SourceDocument & { duplicateOf?: string }> = []
    let last: ExportPosition | undefined
    for await (const item of readExportItems(path, display, start)) {
      const label = `${display} line ${item.line}`
      let source: SourceDocument & { duplicateOf?: string }
      let value: unknown
      let unreadable = item.broken
      if (!unreadable) {
        try {
          value = parseExtendedJson(item.text)
        } catch (error) {
          if (!(error instanceof ExtendedJsonError)) throw error
          unreadable = error.message
        }
      }
      if (!unreadable && !isDocument(value))
        unreadable = `${Array.isArray(value) ? 'an array' : `a ${value === null ? 'null' : typeof value}`}, not a document`
      if (unreadable) {
        source = {
          unreadable,
          text: item.text.length > MAX_TEXT ? `${item.text.slice(0, MAX_TEXT)}…` : item.text,
          location: { file: display, path: `line ${item.line}`, table: collection },
          label,
        }
      } else {
        const document = value as Document
        const key = `_id=${idLabel(document._id)}`
        source = {
          document,
          location: { file: display, path: `line ${item.line}`, table: collection, key },
          label: `${label} (${key})`,
        }
        if (document._id !== undefined) {
          const id = idText(document._id)
          const firstLine = seen.get(id)
          if (firstLine === undefined) seen.set(id, item.line)
          else source = { ...source, duplicateOf: `line ${firstLine}` }
        }
      }
      documents.push(source)
      last = item.after
      if (documents.length >= batchSize) {
        yield { documents, checkpoint: { ...last, ...fingerprint } }
        documents = []
      }
    }
    if (documents.length && last) yield { documents, checkpoint: { ...last, ...fingerprint } }
  }

  /** The documents of the users file (none when there is none). */
  async *users(): AsyncGenerator<Document> {
    const path = (await this.#scan()).paths.get('users')
    if (!path) return
    for await (const item of readExportItems(path, this.#show(path))) {
      if (item.broken) continue
      try {
        const value = parseExtendedJson(item.text)
        if (isDocument(value)) yield value
      } catch (error) {
        if (!(error instanceof ExtendedJsonError)) throw error
      }
    }
  }

  /** The top-level values of the collection's file. */
  async count(collection: string): Promise<number> {
    const path = await this.#path(collection)
    let count = 0
    for await (const _ of readExportItems(path, this.#show(path))) count++
    return count
  }

  /** Nothing to close: each read opens and closes its file. */
  async close(): Promise<void> {}

  async #path(collection: string): Promise<string> {
    const path = (await this.#scan()).paths.get(collection)
    if (!path)
      throw new Error(
        `${this.display} has no export of ${collection} (${(EXPORT_FILES[collection] ?? [`${collection}.json`]).join(', ')}).`,
      )
    return path
  }

  /** The folder's export files: the collections they hold, and each one's path. */
  async #scan(): Promise<{ infos: CollectionInfo[]; paths: Map<string, string> }> {
    let names: string[]
    try {
      names = (await readdir(this.#dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new Error(
        `--export-dir ${this.display}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'is not a folder' : (error as Error).message}. Pass the folder holding users.json and portfoliosnapshots.json (mongoexport --out files).`,
      )
    }
    const infos: CollectionInfo[] = []
    const paths = new Map<string, string>()
    const add = (collection: string, file: string): void => {
      const path = join(this.#dir, file)
      paths.set(collection, path)
      infos.push({ name: collection, location: this.#show(path) })
    }
    const claimed = new Set<string>()
    for (const [collection, files] of Object.entries(EXPORT_FILES)) {
      const file = files.find((candidate) => names.includes(candidate))
      if (!file) continue
      claimed.add(file)
      add(collection, file)
    }
    for (const name of names.sort()) {
      const collection = name.replace(EXPORT_EXTENSION, '')
      if (claimed.has(name) || !EXPORT_EXTENSION.test(name) || paths.has(collection)) continue
      add(collection, name)
    }
    return { infos, paths }
  }

  /** A path as messages show it: relative to the working directory when inside it. */
  #show(path: string): string {
    return displayPath(this.#cwd, path)
  }
}
