import { join } from 'node:path'
import { connect } from '@ledgerport/core'
import { createScratchDatabase, createTempDir, type ScratchDatabase } from '@ledgerport/test-kit'
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectSource } from './connect-source.js'
import { type ReplicaResultSet, Replicator, type ReplicatorProps } from './replicator.js'

const scratch: ScratchDatabase[] = []
let dir: { path: string; cleanup(): Promise<void> }
let sourceFile: string
afterAll(async () => {
  for (const db of scratch.splice(0)) await db.drop().catch(() => {})
  await dir?.cleanup()
})

const LONG = `${'t'.repeat(60)}_one_`
const LONG_TWIN = `${'t'.repeat(60)}_two_`
const LONG_COLUMN = `c${'é'.repeat(40)}`

beforeAll(async () => {
  dir = await createTempDir('ledgerport-replicate-hostile-')
  sourceFile = join(dir.path, 'source.sqlite')
  const db = new Database(sourceFile)
  db.exec(`CREATE TABLE texts (id INTEGER PRIMARY KEY, t TEXT,
    doubled INTEGER GENERATED ALWAYS AS (id * 2) VIRTUAL, shout TEXT GENERATED ALWAYS AS (upper(t)) STORED)`)
  db.exec(`INSERT INTO texts (id, t) VALUES (1, 'plain é ✓'), (2, CAST(x'6162ff63' AS TEXT)),
    (3, CAST(x'61eda08062' AS TEXT)), (4, 'a real ' || char(65533) || ' stays')`)
  // A Buffer bound into a TEXT column is a BLOB: copied as bytes, not text.
  db.prepare('INSERT INTO texts (id, t) VALUES (5, ?)').run(Buffer.from([0x61, 0xff]))
  db.exec(`CREATE TABLE "${LONG}" (id INTEGER PRIMARY KEY)`)
  db.exec(`CREATE TABLE "${LONG_TWIN}" (id INTEGER PRIMARY KEY)`)
  db.exec(`CREATE TABLE wide (id INTEGER PRIMARY KEY, "${LONG_COLUMN}" TEXT)`)
  db.close()
})

async function replicate(target: string, props: Partial<ReplicatorProps> = {}): Promise<ReplicaResultSet> {
  const source = await connectSource(`sqlite:${sourceFile}`)
  const connection = await connect(target)
  try {
    return await new Replicator({ source, target: connection, rejectsFile: false, ...props }).run()
  } finally {
    await source.close()
    await connection.close()
  }
}

describe.each(['postgres', 'sqlite'] as const)(
  'replicate of SQLite values and names a target would change, into %s',
  (engine) => {
    let target: string
    let result: ReplicaResultSet
    beforeAll(async () => {
      const database = await createScratchDatabase(engine)
      scratch.push(database)
      target = database.url
      result = await replicate(target)
    })

    it('rejects text that is not UTF-8 (a stray byte, a lone surrogate) instead of writing U+FFFD, and again with --full', async () => {
      const texts = result.results.find((r) => r.table === 'texts')!
      // PostgreSQL text cannot hold the BLOB of row 5 either (rejected, as before).
      const blob = engine === 'postgres' ? 1 : 0
      expect(texts).toMatchObject({ status: 'Success', read: 5, inserted: 3 - blob, rejected: 2 + blob })
      expect(
        result.rejects.filter((r) => r.key !== 'id=5').map((r) => [r.table, r.key, r.column, r.reason]),
      ).toEqual([
        [
          'texts',
          'id=2',
          't',
          't: holds text that is not valid UTF-8 (bytes ff63 at byte 2 of 4; lone surrogates are not UTF-8 either): copying it would turn them into U+FFFD, so the row is not copied. Fix the value in the source (or store it as a BLOB)',
        ],
        [
          'texts',
          'id=3',
          't',
          't: holds text that is not valid UTF-8 (bytes eda08062 at byte 1 of 5; lone surrogates are not UTF-8 either): copying it would turn them into U+FFFD, so the row is not copied. Fix the value in the source (or store it as a BLOB)',
        ],
      ])
      const connection = await connect(target)
      try {
        const column = engine === 'postgres' ? sql`encode(convert_to(t, 'UTF8'), 'hex')` : sql`hex(t)`
        const { rows } = await sql<{
          id: unknown
          hex: string
        }>`select id, ${column} as hex from texts order by id`.execute(connection.db)
        expect(rows.map((row) => [Number(row.id), row.hex.toLowerCase()])).toEqual([
          [1, Buffer.from('plain é ✓').toString('hex')],
          [4, Buffer.from('a real \uFFFD stays').toString('hex')],
          ...(blob ? [] : [[5, '61ff']]),
        ])
      } finally {
        await connection.close()
      }
      const again = await replicate(target, { full: true })
      expect(again.results.find((r) => r.table === 'texts')).toMatchObject({
        rejected: 2 + blob,
        unchanged: 3 - blob,
      })
    })

    it('says which generated columns it leaves out', () => {
      const texts = result.results.find((r) => r.table === 'texts')!
      expect(texts.warnings.filter((w) => /generated column/.test(w))).toEqual([
        'texts.doubled is a generated column (GENERATED ALWAYS AS … VIRTUAL): it is not copied, since its values follow from the other columns; add it to the target table yourself (ALTER TABLE texts ADD COLUMN … GENERATED ALWAYS AS (…)) if you need it there.',
        'texts.shout is a generated column (GENERATED ALWAYS AS … STORED): it is not copied, since its values follow from the other columns; add it to the target table yourself (ALTER TABLE texts ADD COLUMN … GENERATED ALWAYS AS (…)) if you need it there.',
      ])
    })

    it(
      engine === 'postgres'
        ? 'refuses table and column names longer than 63 bytes, naming them, instead of cutting them'
        : 'copies long table and column names as they are',
      async () => {
        const long = result.results.filter((r) => [LONG, LONG_TWIN, 'wide'].includes(r.table))
        if (engine === 'sqlite') {
          expect(long.map((r) => [r.table, r.status])).toEqual([
            [LONG, 'Success'],
            [LONG_TWIN, 'Success'],
            ['wide', 'Success'],
          ])
          return
        }
        expect(long.map((r) => [r.table, r.status, r.error])).toEqual([
          [
            LONG,
            'Error',
            `The source table name "${LONG}" is 65 bytes long; PostgreSQL keeps 63 bytes of a name and would cut it to "${LONG.slice(0, 63)}", so the copy would not have the source's name (and another table with the same first 63 bytes would collide). Rename the table in the source, or leave it out with --exclude.`,
          ],
          [LONG_TWIN, 'Error', expect.stringContaining(`"${LONG_TWIN}" is 65 bytes long`)],
          [
            'wide',
            'Error',
            `Table wide: column "${LONG_COLUMN}" is 81 bytes long; PostgreSQL keeps 63 bytes of a name and would cut it to "c${'é'.repeat(31)}", so the copy would not have the source's column names (and two with the same first 63 bytes would collide). Rename the column(s) in the source, or leave the table out with --exclude.`,
          ],
        ])
        expect(result.results.find((r) => r.table === 'texts')?.status).toBe('Success')
      },
    )
  },
)
