import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'

/** The parts of better-sqlite3 this baseline uses (it is resolved through `@ledgerport/core`). */
interface Statement {
  raw(toggle: boolean): Statement
  iterate(): IterableIterator<unknown[]>
}
interface SqliteDatabase {
  prepare(sql: string): Statement
  close(): void
}
type SqliteConstructor = new (path: string, options: { readonly: boolean }) => SqliteDatabase

const SPECIAL = /[\\\t\n\r]/

/**
 * The plain Node baseline of the replicate suite (the "30-line script" of the performance notes):
 * better-sqlite3 `.raw().iterate()` → tab-separated text → pg-copy-streams, every table at once in
 * one process, into tables that already exist. No type conversion, hashing, checkpoints or indexes.
 * `node replicate-node-baseline.js SQLITE_FILE POSTGRES_URL table...` prints `{ rows, peakRssMb }`.
 */
async function main(file: string, url: string, tables: ReadonlyArray<string>): Promise<void> {
  const require = createRequire(fileURLToPath(import.meta.resolve('@ledgerport/core')))
  const Database = require('better-sqlite3') as SqliteConstructor
  const counts = await Promise.all(
    tables.map(async (table) => {
      const db = new Database(file, { readonly: true })
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        const stream = client.query(copyFrom(`COPY "${table}" FROM STDIN`))
        const done = new Promise<void>((resolve, reject) => {
          stream.on('finish', resolve)
          stream.on('error', reject)
        })
        let rows = 0
        let chunk = ''
        for (const row of db.prepare(`SELECT * FROM "${table}"`).raw(true).iterate()) {
          let line = ''
          for (let i = 0; i < row.length; i++) {
            const value = row[i]
            if (i) line += '\t'
            line +=
              value === null
                ? '\\N'
                : typeof value === 'string'
                  ? SPECIAL.test(value)
                    ? value.replace(/[\\\t\n\r]/g, (c) =>
                        c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
                      )
                    : value
                  : String(value)
          }
          chunk += `${line}\n`
          rows++
          if (chunk.length > 1 << 20) {
            if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve))
            chunk = ''
          }
        }
        stream.end(chunk)
        await done
        return rows
      } finally {
        db.close()
        await client.end()
      }
    }),
  )
  const rows = counts.reduce((sum, n) => sum + n, 0)
  process.stdout.write(`${JSON.stringify({ rows, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`)
}

const [file, url, ...tables] = process.argv.slice(2)
await main(file!, url!, tables)
