import type { Checkpoint, SourceBatch } from '@ledgerport/core'
import {
  parseCheckpoint,
  type ReadState,
  type StreamKind,
  type StreamSettings,
  streamBatches,
} from './freqtrade-streams.js'
import type { FreqtradeRowReader } from './row-reader.js'
import { loadSchema } from './schema.js'

/** A connection to a local database file, inside the one read transaction a stream reads in. */
export interface LocalSession {
  /** Reads the database, every call in the session's read transaction. */
  readonly reader: FreqtradeRowReader
  /** Ends the read transaction and closes the connection. Called once, after an error too. */
  end(): void | Promise<void>
}

/**
 * One stream of a local database file, read in one read transaction (the session `begin` opens)
 * after the last key of `from`; a completed checkpoint whose file signature still holds reads
 * nothing and opens nothing (that is how `ledgerport sync` skips idle bots). Files written in the
 * last second have no signature yet: they are read. Every error goes through `error`, to name the
 * database.
 */
export async function* readLocalStream(
  file: { signature(): string | null },
  kind: StreamKind,
  from: Checkpoint | undefined,
  settings: StreamSettings,
  begin: () => Promise<LocalSession>,
  error: (cause: unknown) => Error,
): AsyncGenerator<SourceBatch> {
  const previous = parseCheckpoint(from)
  let session: LocalSession | undefined
  try {
    const files = file.signature()
    if (previous?.done && files !== null && previous.files === files) {
      yield { records: [], checkpoint: previous }
      return
    }
    const resume = previous && !previous.done ? previous : undefined
    const state: ReadState = {
      after: resume?.after ?? null,
      files: resume ? (resume.files === files ? files : null) : files,
    }
    session = await begin()
    const { reader } = session
    const batches = streamBatches(kind, { ...settings, reader, schema: await loadSchema(reader), state })
    // The batch is yielded straight from `next()`, never held in a variable (nor through `yield*`):
    // a suspended generator keeps those, and with them the batch the engine has already taken.
    while (batches.more) yield batches.next()
  } catch (cause) {
    throw error(cause)
  } finally {
    await session?.end()
  }
}
