import type { CanonicalRecord, Duplicate, PluginContext, Reject, Source } from '@ledgerport/core'
import {
  createMongoDatabase,
  createTempDir,
  type MongoExportDirOptions,
  type MongoTestDatabase,
  mongoFixture,
  writeMongoExportDir,
} from '@ledgerport/test-kit'
import { type MongoOptions, source } from './index.js'

/** What reading one stream gave. */
export interface StreamRead {
  readonly records: CanonicalRecord[]
  readonly rejects: Reject[]
  readonly duplicates: Duplicate[]
  readonly batches: number
}

/** A plugin context for tests; warnings are collected in `warnings`. */
export function testContext(
  warnings: string[] = [],
  extra: Partial<PluginContext> = {},
): PluginContext & { warnings: string[] } {
  return {
    timezone: 'UTC',
    batchSize: 3,
    cwd: '/',
    warn: (message) => warnings.push(message),
    warnings,
    ...extra,
  }
}

/** Opens the `mongo` source with options, as the CLI does. */
export async function openSource(
  options: MongoOptions,
  context: PluginContext = testContext(),
): Promise<Source> {
  return await source.create(options, context)
}

/** Reads a whole stream of an open source. */
export async function readStream(src: Source, name: string): Promise<StreamRead> {
  const stream = (await src.discover()).find((s) => s.name === name)
  if (!stream) throw new Error(`no stream ${name}`)
  const out: StreamRead = { records: [], rejects: [], duplicates: [], batches: 0 }
  for await (const batch of src.read(stream)) {
    out.records.push(...batch.records)
    out.rejects.push(...(batch.rejects ?? []))
    out.duplicates.push(...(batch.duplicates ?? []))
    ;(out as { batches: number }).batches++
  }
  return out
}

const databases = new Map<string, Promise<MongoTestDatabase>>()
const folders: Array<{ cleanup(): Promise<void> }> = []

/**
 * A database holding the fixture (ugly or not), shared by the tests of a file: on `MONGODB_URL`'s
 * server when set, else on the in-memory test server. {@link cleanUp} drops them.
 */
export function fixtureDatabase(ugly = true): Promise<MongoTestDatabase> {
  const key = String(ugly)
  let database = databases.get(key)
  if (!database) {
    database = createMongoDatabase().then(async (db) => {
      await db.load(mongoFixture({ ugly }))
      return db
    })
    databases.set(key, database)
  }
  return database
}

/** A folder of mongoexport files of the fixture (with its ugly documents). */
export async function fixtureExportDir(options: MongoExportDirOptions = {}): Promise<string> {
  const dir = await createTempDir()
  folders.push(dir)
  return writeMongoExportDir(`${dir.path}/export`, mongoFixture({ ugly: true }), options)
}

/** Drops the databases and removes the folders this file's tests made. */
export async function cleanUp(): Promise<void> {
  for (const database of databases.values()) await (await database).drop()
  databases.clear()
  for (const folder of folders.splice(0)) await folder.cleanup()
}
