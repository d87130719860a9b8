import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Options of {@link makeMigrationFile}. */
export interface MakeMigrationFileOptions {
  /** The migrations folder; created when missing. */
  readonly folder: string
  /** What the migration does, e.g. `add_hybrid_sl`. Turned into snake_case. */
  readonly name: string
  /** Write an `.sql` file with up/down sections instead of a TypeScript module. Default is `false`. */
  readonly sql?: boolean
}

/**
 * Creates the next migration file: `NNN_name.ts` (or `.sql`), numbered one past the highest
 * `NNN_` prefix in the folder, zero-padded to three digits. Returns its path.
 */
export async function makeMigrationFile(options: MakeMigrationFileOptions): Promise<string> {
  await mkdir(options.folder, { recursive: true })
  const entries = await readdir(options.folder)
  const highest = Math.max(0, ...entries.map((entry) => Number(/^(\d+)_/.exec(entry)?.[1] ?? 0)))
  const slug = options.name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .toLowerCase()
  if (!slug)
    throw new Error(`"${options.name}" is not a usable migration name; use letters, digits and underscores.`)
  const file = join(
    options.folder,
    `${String(highest + 1).padStart(3, '0')}_${slug}.${options.sql ? 'sql' : 'ts'}`,
  )
  await writeFile(file, options.sql ? SQL_TEMPLATE : TS_TEMPLATE, { flag: 'wx' })
  return file
}

const TS_TEMPLATE = `import type { Kysely } from 'kysely'

export const description = ''

export async function up(db: Kysely<any>): Promise<void> {
  // await db.schema.alterTable('orders').addColumn('note', 'text').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  // await db.schema.alterTable('orders').dropColumn('note').execute()
}
`

const SQL_TEMPLATE = `-- Description:

-- migrate:up


-- migrate:down

`
