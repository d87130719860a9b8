import { readdir, readFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { checksumText } from './checksum.js'
import type { MigrationProvider, ProvidedMigration } from './migration.js'
import { sqlFileMigration } from './sql-file-migration.js'

/** Props of {@link FolderMigrationProvider}. */
export interface FolderMigrationProviderProps {
  /** The migrations folder. */
  readonly folder: string
}

const MIGRATION_FILE = /^(?!.*\.(d|test|spec)\.[cm]?[jt]s$)(.+)\.(sql|[cm]?[jt]s)$/

/**
 * Reads migrations from a folder: `NNN_name.ts|mts|js|mjs|cjs` modules exporting `up` (and optionally
 * `down`, `verify`, `description`, `transaction`), and `NNN_name.sql` files (see {@link sqlFileMigration}),
 * whose rollback may live in `rollback/` under the same name or the same `NNN_` prefix.
 * A Kysely migration folder works unchanged. TypeScript loads through jiti, so no build step is needed.
 */
export class FolderMigrationProvider implements MigrationProvider {
  readonly #props: FolderMigrationProviderProps

  constructor(props: FolderMigrationProviderProps) {
    this.#props = props
  }

  async getMigrations(): Promise<Record<string, ProvidedMigration>> {
    const folder = resolve(this.#props.folder)
    let entries: string[]
    try {
      entries = (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error(`Migrations folder ${folder} does not exist. Create it, or pass --migrations DIR.`)
      }
      throw error
    }
    const rollbacks = await readRollbackFolder(join(folder, 'rollback'))
    const migrations: Record<string, ProvidedMigration> = {}
    for (const entry of entries.sort()) {
      const match = MIGRATION_FILE.exec(entry)
      if (!match) continue
      const name = match[2]!
      const file = join(folder, entry)
      if (migrations[name]) {
        throw new Error(
          `Two migrations are named ${name} in ${folder}: keep one of ${migrations[name]!.file} and ${file}.`,
        )
      }
      const text = await readFile(file, 'utf8')
      if (match[3] === 'sql') {
        const version = name.split('_')[0]!
        const rollback = rollbacks.get(name) ?? rollbacks.get(version)
        migrations[name] = {
          ...sqlFileMigration(file, text, rollback),
          // The rollback twin is part of the migration: editing or removing it is an edit too.
          // Ledger rows written before the twin counted hold the file's own checksum: still accepted.
          ...(rollback === undefined
            ? { checksum: checksumText(text) }
            : {
                checksum: checksumText(`${text}\n-- rollback twin --\n${rollback}`),
                acceptedChecksums: [checksumText(text)],
              }),
        }
      } else {
        migrations[name] = { ...(await importMigrationModule(file)), file, checksum: checksumText(text) }
      }
    }
    return migrations
  }
}

async function readRollbackFolder(folder: string): Promise<Map<string, string>> {
  const byKey = new Map<string, string>()
  let entries: string[]
  try {
    entries = await readdir(folder)
  } catch {
    return byKey
  }
  for (const entry of entries.sort()) {
    if (!entry.endsWith('.sql')) continue
    const text = await readFile(join(folder, entry), 'utf8')
    const name = basename(entry, '.sql')
    byKey.set(name, text)
    byKey.set(name.split('_')[0]!, text)
  }
  return byKey
}

async function importMigrationModule(file: string): Promise<ProvidedMigration> {
  let module: Record<string, unknown>
  try {
    if (/\.[cm]?ts$/.test(file)) {
      const { createJiti } = await import('jiti')
      module = (await createJiti(import.meta.url, { moduleCache: false, fsCache: false }).import(
        file,
      )) as Record<string, unknown>
    } else {
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>
    }
  } catch (error) {
    // A migration that throws while it is imported (a typo at top level) must say which file it is.
    const message = error instanceof Error ? error.message : String(error)
    throw new Error(
      `Migration ${file} could not be loaded: ${message}. Fix the file (the error is in its top-level code or imports).`,
      { cause: error },
    )
  }
  const candidate = (typeof module.up === 'function' ? module : module.default) as
    | ProvidedMigration
    | undefined
  if (!candidate || typeof candidate.up !== 'function') {
    throw new Error(`Migration ${file} exports no up(db) function. Export \`async function up(db)\` from it.`)
  }
  const { up, down, verify, description, transaction } = candidate
  return {
    up,
    ...(down ? { down } : {}),
    ...(verify ? { verify } : {}),
    ...(description ? { description } : {}),
    ...(transaction !== undefined ? { transaction } : {}),
  }
}
