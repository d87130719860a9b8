import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { canonicalJson } from '@ledgerport/core'
import { createTempDir } from '@ledgerport/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JsonNumber, MAX_JSON_DEPTH } from './json-parse.js'
import {
  type JsonItem,
  jsonPath,
  NonFiniteNumbers,
  type ReadJsonOptions,
  readJsonItems,
} from './json-stream.js'

let dir: { path: string; cleanup(): Promise<void> }
beforeAll(async () => {
  dir = await createTempDir()
})
afterAll(() => dir.cleanup())

let n = 0
async function read(text: string | Buffer, options: ReadJsonOptions): Promise<JsonItem[]> {
  const file = join(dir.path, `f${n++}.json`)
  await writeFile(file, text)
  const items: JsonItem[] = []
  for await (const item of readJsonItems(file, 'data/x.json', options)) items.push(item)
  return items
}

async function failure(text: string, options: ReadJsonOptions): Promise<{ items: number; message: string }> {
  const file = join(dir.path, `f${n++}.json`)
  await writeFile(file, text)
  let items = 0
  try {
    for await (const _ of readJsonItems(file, 'data/x.json', options)) items++
  } catch (error) {
    return { items, message: (error as Error).message }
  }
  throw new Error('no error')
}

const plain = (items: JsonItem[]) => JSON.parse(JSON.stringify(items))

describe('readJsonItems', () => {
  it('reads the arrays under the given keys, skipping everything else', async () => {
    const items = await read(
      '{"last_run":"2025-10-31T16:00:07+05:30","meta":{"trades":[9]},"trades":[{"a":1},{"b":[1,{"c":null}]}],"other":[1,2],"failed_orders":[true]}',
      { sections: ['trades', 'failed_orders'] },
    )
    expect(plain(items)).toEqual([
      { section: 'trades', index: 0, value: { a: 1 } },
      { section: 'trades', index: 1, value: { b: [1, { c: null }] } },
      { section: 'failed_orders', index: 0, value: true },
    ])
  })

  it('reads a top-level array and the entries of a top-level object', async () => {
    expect(plain(await read('[{"x":1},2]', { sections: ['orders'] }))).toEqual([
      { section: null, index: 0, value: { x: 1 } },
      { section: null, index: 1, value: 2 },
    ])
    expect(plain(await read('{"RELIANCE.NS":{"q":1},"TCS":{"q":2}}', { entries: true }))).toEqual([
      { section: null, index: 0, key: 'RELIANCE.NS', value: { q: 1 } },
      { section: null, index: 1, key: 'TCS', value: { q: 2 } },
    ])
  })

  it('keeps numbers exactly as written', async () => {
    const [item] = await read(
      '[[2451.35, 100000.0, 12345678901234567890.12345678901234567890, -0.0, 1e-7, 40]]',
      {},
    )
    const numbers = item!.value as JsonNumber[]
    expect(numbers.map((x) => x.text)).toEqual([
      '2451.35',
      '100000.0',
      '12345678901234567890.12345678901234567890',
      '-0.0',
      '1e-7',
      '40',
    ])
    // In extra: numbers when a JS number holds them exactly, else their digits.
    expect(canonicalJson(numbers)).toBe(
      '[2451.35,100000,"12345678901234567890.12345678901234567890",0,1e-7,40]',
    )
    expect(canonicalJson(new JsonNumber('123456789012345678901234567890'))).toBe(
      '123456789012345678901234567890',
    )
  })

  it("reads Python's NaN and Infinity as strings, not inside strings", async () => {
    const [item] = await read('[{"rsi":NaN,"a":Infinity,"b":-Infinity,"c":"NaN Infinity","d":-1}]', {})
    expect(plain([item!])[0].value).toEqual({
      rsi: 'NaN',
      a: 'Infinity',
      b: '-Infinity',
      c: 'NaN Infinity',
      d: -1,
    })
  })

  it('rewrites NaN and -Infinity cut between chunks, and leaves strings with escaped quotes alone', () => {
    const text = '[NaN,-Infinity,"x\\"NaN",Infinity,-12]'
    for (let cut = 1; cut < text.length; cut++) {
      const fixer = new NonFiniteNumbers()
      const out = Buffer.concat([
        fixer.rewrite(Buffer.from(text.slice(0, cut)), false),
        fixer.rewrite(Buffer.from(text.slice(cut)), false),
        fixer.end() ?? Buffer.alloc(0),
      ]).toString()
      expect(out, `cut at ${cut}`).toBe('["NaN","-Infinity","x\\"NaN","Infinity",-12]')
    }
  })

  it('reads a file larger than one chunk with multi-byte characters across chunks', async () => {
    const trades = Array.from({ length: 3000 }, (_, i) => ({
      i,
      note: `₹${i},00 – तीन`,
      price: `₹3,900.${i % 100}`,
    }))
    const items = await read(JSON.stringify({ trades }), { sections: ['trades'] })
    expect(items).toHaveLength(3000)
    expect(plain(items.slice(-1))[0]).toEqual({
      section: 'trades',
      index: 2999,
      value: { i: 2999, note: '₹2999,00 – तीन', price: '₹3,900.99' },
    })
  })

  it('fails clearly on a truncated file, after yielding what came before', async () => {
    const result = await failure('{"trades":[{"a":1},{"a":2},{"a":', { sections: ['trades'] })
    expect(result.items).toBe(2)
    expect(result.message).toMatch(
      /^data\/x\.json is not valid JSON after trades\[1\] \(.*\): the file is truncated or corrupt\./,
    )
    expect((await failure('{"trades":[]', { sections: ['trades'] })).message).toContain('truncated')
  })

  it('fails clearly on an empty, unreadable or wrongly shaped file', async () => {
    expect((await failure('', { sections: ['trades'] })).message).toBe(
      'data/x.json is empty: expected an object with "trades" arrays or an array.',
    )
    expect((await failure('  \n', { sections: ['trades'] })).message).toContain('is empty')
    expect((await failure('"x"', { sections: ['trades'] })).message).toBe(
      'data/x.json holds a single string value, not an object with "trades" arrays or an array.',
    )
    expect((await failure('{"trades":{"a":1}}', { sections: ['trades'] })).message).toContain(
      '"trades" is an object, not an array of records',
    )
    expect((await failure('{"trades":"none"}', { sections: ['trades'] })).message).toContain(
      '"trades" is a string, not an array of records',
    )
    expect((await failure('[1]', { entries: true, topLevelArray: false })).message).toBe(
      'data/x.json holds an array, not an object of entries.',
    )
    expect((await failure('{"a":1} {"b":2}', { entries: true })).message).toContain('not valid JSON after a')
    const missing = join(dir.path, 'missing.json')
    await expect(async () => {
      for await (const _ of readJsonItems(missing, 'data/missing.json', {}));
    }).rejects.toThrow(/^data\/missing\.json cannot be read: ENOENT/)
    if (process.getuid?.() !== 0) {
      const locked = join(dir.path, 'locked.json')
      await writeFile(locked, '[]')
      await chmod(locked, 0)
      await expect(async () => {
        for await (const _ of readJsonItems(locked, 'data/locked.json', {}));
      }).rejects.toThrow(/cannot be read: EACCES/)
    }
  })

  it('skips an item nested deeper than MAX_JSON_DEPTH, flagging it, and reads on', async () => {
    const deep = (levels: number) => `${'['.repeat(levels - 1)}{"x":1}${']'.repeat(levels - 1)}`
    const hostile = `{"a":${'{"a":'.repeat(19_998)}1${'}'.repeat(19_999)}`
    const items = await read(
      `{"trades":[{"n":1},${hostile},${deep(MAX_JSON_DEPTH)},${deep(MAX_JSON_DEPTH + 1)},{"n":2}]}`,
      { sections: ['trades'] },
    )
    expect(items.map((item) => [item.index, item.tooDeep ?? false])).toEqual([
      [0, false],
      [1, true],
      [2, false],
      [3, true],
      [4, false],
    ])
    expect(items[1]!.value).toBeNull()
    expect(plain([items[4]!])[0].value).toEqual({ n: 2 })
    // The entries of a top-level object, likewise.
    const entries = await read(`{"A":${deep(MAX_JSON_DEPTH + 1)},"B":{"q":1}}`, { entries: true })
    expect(entries.map((item) => [item.key, item.tooDeep ?? false])).toEqual([
      ['A', true],
      ['B', false],
    ])
  })

  it('treats a null section as empty', async () => {
    expect(
      await read('{"trades":null,"failed_orders":[]}', { sections: ['trades', 'failed_orders'] }),
    ).toEqual([])
  })
})

describe('jsonPath', () => {
  it('writes paths like trades[17].qty, [3].price and ["RELIANCE.NS"].quantity', () => {
    expect(jsonPath('trades', 17, 'qty')).toBe('trades[17].qty')
    expect(jsonPath(null, 3, 'price')).toBe('[3].price')
    expect(jsonPath(null, 'FORTIS', 'quantity')).toBe('FORTIS.quantity')
    expect(jsonPath(null, 'RELIANCE.NS', 'quantity')).toBe('["RELIANCE.NS"].quantity')
  })
})
