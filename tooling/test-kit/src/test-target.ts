import { join } from 'node:path'
import { createPostgresDatabase, createTempDir } from './databases.js'
import type { TestPluginContext } from './test-context.js'

/** An open target, as `@ledgerport/core`'s `Target` has it (test-kit does not depend on core). */
export interface TestTarget {
  prepare(): Promise<void>
  close(): Promise<void>
}

/** What {@link openTestTarget} needs of a target plugin (`TargetPlugin` of `@ledgerport/core`). */
export interface TestTargetPlugin<T extends TestTarget> {
  create(url: string, options: Record<string, never>, context: TestPluginContext): Promise<T>
}

/**
 * A fresh target on a scratch database (a new PostgreSQL database, or a SQLite file in a temporary
 * folder), opened with `plugin` and prepared. `drop()` closes it and removes the database.
 *
 * ```ts
 * const { target, drop } = await openTestTarget('postgres', postgresTarget)
 * ```
 */
export async function openTestTarget<T extends TestTarget>(
  engine: 'sqlite' | 'postgres',
  plugin: TestTargetPlugin<T>,
): Promise<{ target: T; drop(): Promise<void> }> {
  const context = { timezone: 'UTC', batchSize: 5000, cwd: process.cwd(), warn: () => {} }
  const database =
    engine === 'postgres'
      ? await createPostgresDatabase().then((db) => ({ url: db.url, remove: db.drop }))
      : await createTempDir().then((dir) => ({
          url: `sqlite:${join(dir.path, 'ledgerport.db')}`,
          remove: dir.cleanup,
        }))
  const target = await plugin.create(database.url, {}, context)
  await target.prepare()
  return {
    target,
    drop: async () => {
      await target.close()
      await database.remove()
    },
  }
}

/** A prepared target on a fresh database of one engine, and how to drop it. */
export interface EngineTestTarget<T extends TestTarget> {
  readonly kind: 'sqlite' | 'postgres'
  readonly target: T
  dispose(): Promise<void>
}

/** {@link openTestTarget} with the plugin of `engine` among `plugins`, the engine kept as `kind`. */
export async function openEngineTarget<T extends TestTarget>(
  engine: 'sqlite' | 'postgres',
  plugins: Readonly<Record<'sqlite' | 'postgres', TestTargetPlugin<T>>>,
): Promise<EngineTestTarget<T>> {
  const { target, drop } = await openTestTarget(engine, plugins[engine])
  return { kind: engine, target, dispose: drop }
}
