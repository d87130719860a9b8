import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createTempDir, mongoExportText, mongoUsers } from '@ledgerport/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ExportItem, type ExportLayout, readExportItems } from './export-file.js'

let dir: { path: string; cleanup(): Promise<void> }
beforeAll(async () => {
  dir = await createTempDir()
})
afterAll(async () => {
  await dir.cleanup()
})

async function file(name: string, text: string | Buffer): Promise<string> {
  const path = join(dir.path, name)
  await writeFile(path, text)
  return path
}

async function items(path: string, from?: ExportItem['after']): Promise<ExportItem[]> {
  const out: ExportItem[] = []
  for await (const item of readExportItems(path, 'users.json', from)) out.push(item)
  return out
}

const users = mongoUsers({ ugly: true })

describe('readExportItems', () => {
  it.each<[string, 'lines' | 'array' | 'pretty' | 'pretty-array', ExportLayout]>([
    ['JSON Lines', 'lines', 'lines'],
    ['--jsonArray', 'array', 'array'],
    ['--pretty', 'pretty', 'concatenated'],
    ['--jsonArray --pretty', 'pretty-array', 'array'],
  ])(
    'splits %s into the documents, with their lines, and resumes from every position',
    async (_name, layout, detected) => {
      const text = mongoExportText(users, { layout, mode: 'canonical' })
      const path = await file(`${layout}.json`, text)
      const all = await items(path)
      expect(all.map((item) => item.broken)).toEqual(users.map(() => undefined))
      expect(all.map((item) => JSON.parse(item.text)._id)).toEqual(
        users.map((user) => JSON.parse(mongoExportText([user], { mode: 'canonical' }))._id),
      )
      expect(new Set(all.map((item) => item.after.layout))).toEqual(new Set([detected]))
      // The line a document starts on holds its first character.
      const lines = text.split('\n')
      for (const item of all) expect(lines[item.line - 1]!.trimStart().replace(/^[[,]/, '')).toMatch(/^\{/)
      if (layout === 'lines') expect(all.map((item) => item.line)).toEqual(users.map((_, index) => index + 1))
      for (const [k, item] of all.entries()) {
        expect((await items(path, item.after)).map((rest) => [rest.text, rest.line, rest.index])).toEqual(
          all.slice(k + 1).map((rest) => [rest.text, rest.line, rest.index]),
        )
      }
    },
  )

  it('reads values that span 64 KB chunks, multi-byte characters, CRLF and a byte order mark', async () => {
    const many = Array.from({ length: 3000 }, (_, n) => ({
      _id: n,
      name: `ユーザー ${n} — ₹`,
      note: 'x'.repeat(n % 97),
    }))
    const text = `\ufeff${mongoExportText(many).replaceAll('\n', '\r\n')}`
    const all = await items(await file('many.json', text))
    expect(all).toHaveLength(3000)
    expect(all.every((item, n) => !item.broken && JSON.parse(item.text).name === `ユーザー ${n} — ₹`)).toBe(
      true,
    )
    expect(all.at(-1)!.line).toBe(3000)
  })

  it('keeps reading after a broken line of a JSON Lines file, and flags a truncated end', async () => {
    const path = await file(
      'broken.json',
      '{"_id":1,"a":"x"}\n{"_id":2,"a":{"b":\n{"_id":3}\n   \n{"_id":4,"a":"cut here',
    )
    const all = await items(path)
    expect(all.map((item) => [item.index, item.line, item.broken ?? 'ok'])).toEqual([
      [0, 1, 'ok'],
      [1, 2, 'the line ends inside this document (each line of the file must be one whole document)'],
      [2, 3, 'ok'],
      [3, 5, 'the file ends inside this document: it is truncated'],
    ])
    expect(all[1]!.text).toBe('{"_id":2,"a":{"b":')
    expect((await items(path, all[1]!.after)).map((item) => item.index)).toEqual([2, 3])
  })

  it('flags text after a --jsonArray array, and reads top-level scalars as values', async () => {
    const all = await items(await file('tail.json', '[{"_id":1},\n{"_id":2}]\n{"_id":3} 42'))
    expect(all.map((item) => [item.text, item.broken ?? 'ok'])).toEqual([
      ['{"_id":1}', 'ok'],
      ['{"_id":2}', 'ok'],
      ['{"_id":3}', 'text after the end of the array (a --jsonArray file holds one array)'],
      ['42', 'text after the end of the array (a --jsonArray file holds one array)'],
    ])
    const scalars = await items(await file('scalars.json', '{"_id":1}\n42\n"text"\ntrue\n'))
    expect(scalars.map((item) => [item.text, item.line])).toEqual([
      ['{"_id":1}', 1],
      ['42', 2],
      ['"text"', 3],
      ['true', 4],
    ])
  })

  it('reads an empty file as no values, and fails a missing file with its name', async () => {
    expect(await items(await file('empty.json', '  \n'))).toEqual([])
    await expect(items(join(dir.path, 'missing.json'))).rejects.toThrow(/^users\.json cannot be read: ENOENT/)
  })
})
