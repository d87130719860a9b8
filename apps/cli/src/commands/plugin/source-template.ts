/** The files of a new source plugin package, by path relative to its folder. */
export function sourceTemplate(name: string): Record<string, string> {
  const camel = name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())
  const type = `${camel[0]!.toUpperCase()}${camel.slice(1)}Options`
  const env = `${name.toUpperCase().replace(/-/g, '_')}_FILE`
  return {
    'package.json': `${JSON.stringify(
      {
        name: `ledgerport-source-${name}`,
        version: '0.1.0',
        description: `A ledgerport source plugin: ${name}`,
        type: 'module',
        exports: './src/source.ts',
        scripts: { test: 'vitest run' },
        peerDependencies: { '@ledgerport/core': '*' },
        devDependencies: { '@ledgerport/core': '*', vitest: '^3' },
      },
      null,
      2,
    )}\n`,
    'README.md': `# ledgerport-source-${name}

A [ledgerport](https://github.com/ledgerport/ledgerport) source: reads a JSON-lines file of orders
(one JSON object per line) into the canonical \`orders\` table. Edit \`src/source.ts\` to read your data.

\`\`\`sh
npm install
npm test                                                      # the describeSource conformance suite
ledgerport run --from ./src/source.ts --file orders.jsonl     # or name it in ledgerport.config.ts
\`\`\`

See docs/writing-a-source.md in the ledgerport repository for the contract.
`,
    'src/source.ts': `import { createReadStream } from 'node:fs'
import { access } from 'node:fs/promises'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import {
  type CanonicalRecord,
  type Checkpoint,
  mapVocabulary,
  type PluginContext,
  type Reject,
  type Source,
  type SourceBatch,
  type SourcePlugin,
  type StreamDescriptor,
} from '@ledgerport/core'

/** Options of the ${name} source: each one becomes a flag of \`ledgerport run --from …\`. */
export interface ${type} {
  /** The JSON-lines file of orders. */
  readonly file: string
}

/** The input's sides and statuses → the canonical vocabularies (case and separators are ignored). */
const SIDES = { buy: 'buy', sell: 'sell' } as const
const STATUSES = { filled: 'filled', open: 'open', cancelled: 'cancelled', canceled: 'cancelled' } as const

/** The ${name} source plugin. */
export const source: SourcePlugin<${type}> = {
  name: '${name}',
  summary: 'orders from a JSON-lines file (one order per line)',
  options: {
    file: { type: 'string', description: 'the JSON-lines file of orders', required: true, env: '${env}' },
  },
  create: (options, context) => create${camel[0]!.toUpperCase()}${camel.slice(1)}Source(options, context),
}

/** Opens the source on \`options.file\` (relative to \`context.cwd\`). */
export function create${camel[0]!.toUpperCase()}${camel.slice(1)}Source(options: ${type}, context: PluginContext): Source {
  const file = resolve(context.cwd, options.file)
  const orders: StreamDescriptor = { name: 'orders', entities: ['orders'], location: options.file }
  return {
    async discover() {
      try {
        await access(file)
      } catch {
        context.warn(\`\${options.file} does not exist: nothing to read\`)
        return []
      }
      return [orders]
    },
    async *read(_stream: StreamDescriptor, from?: Checkpoint): AsyncIterable<SourceBatch> {
      // The checkpoint is the number of the last line consumed: reading again starts after it.
      const after = typeof from === 'object' && from !== null && 'line' in from ? Number(from.line) : 0
      let records: CanonicalRecord[] = []
      let rejects: Reject[] = []
      let line = 0
      const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY })
      for await (const text of lines) {
        line++
        if (line <= after || text.trim() === '') continue
        const location = { file: options.file, path: \`line \${line}\` }
        const mapped = mapLine(text)
        if ('reason' in mapped) rejects.push({ stream: 'orders', entity: 'orders', location, ...mapped })
        else records.push({ ...mapped, location })
        if (records.length + rejects.length >= context.batchSize) {
          yield { records, rejects, checkpoint: { line } }
          records = []
          rejects = []
        }
      }
      if (records.length || rejects.length) yield { records, rejects, checkpoint: { line } }
    },
    async count() {
      let lines = 0
      for await (const text of createInterface({ input: createReadStream(file, 'utf8') })) if (text.trim()) lines++
      return lines
    },
    async close() {},
  }
}

/** One line → an order, or why it cannot be one. */
function mapLine(text: string): CanonicalRecord<'orders'> | { field?: string; reason: string } {
  let row: Record<string, unknown>
  try {
    row = JSON.parse(text) as Record<string, unknown>
  } catch {
    return { reason: 'is not JSON: write one JSON object per line' }
  }
  if (typeof row.id !== 'string' || row.id === '') return { field: 'id', reason: 'is not a non-empty string' }
  if (typeof row.symbol !== 'string' || row.symbol === '') return { field: 'symbol', reason: 'is missing' }
  const side = mapVocabulary(row.side, SIDES)
  if (side.value === null) return { field: 'side', reason: \`\${JSON.stringify(row.side)} is not buy or sell\` }
  const status = mapVocabulary(row.status, STATUSES)
  if (status.value === null)
    return { field: 'status', reason: \`\${JSON.stringify(row.status)} is not filled, open or cancelled\` }
  // Typed by the orders table: a misspelt column or a wrong vocabulary word does not compile.
  return {
    entity: 'orders',
    sourceKey: \`order:\${row.id}\`,
    values: {
      symbol: row.symbol,
      side: side.value,
      status: status.value,
      source_status: status.sourceStatus,
      price: typeof row.price === 'string' || typeof row.price === 'number' ? row.price : null,
      quantity: typeof row.quantity === 'string' || typeof row.quantity === 'number' ? row.quantity : null,
      exchange_order_id: row.id,
      placed_at: typeof row.time === 'string' ? row.time : null, // naive times are read in --timezone
    },
  }
}
`,
    'src/source.test.ts': `import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeSource, testPluginContext } from '@ledgerport/core/testing'
import { expect, it } from 'vitest'
import { source } from './source.js'

const dir = mkdtempSync(join(tmpdir(), '${name}-'))
const file = join(dir, 'orders.jsonl')
writeFileSync(
  file,
  [
    '{"id":"O-1","symbol":"TCS","side":"BUY","status":"filled","price":"3900.00","quantity":"10","time":"2026-03-02 09:15:00"}',
    '{"id":"O-2","symbol":"INFY","side":"sell","status":"open","price":"1510.5","quantity":"4","time":"2026-03-02 10:00:00"}',
    '{"id":"O-3","symbol":"TCS","side":"HOLD","status":"filled"}',
    '{"id":"O-4","symbol":"RELIANCE","side":"buy","status":"Canceled","price":"2451.35","quantity":"1"}',
  ].join('\\n'),
)

describeSource('${name}', {
  create: (context) => source.create({ file }, context),
  streams: ['orders'],
  timeZone: 'Asia/Kolkata',
})

it('rejects a line whose side is not buy or sell, with its line number', async () => {
  const opened = await source.create({ file }, testPluginContext())
  const [stream] = await opened.discover()
  const rejects = []
  for await (const batch of opened.read(stream!)) rejects.push(...(batch.rejects ?? []))
  expect(rejects).toMatchObject([{ field: 'side', location: { file, path: 'line 3' } }])
  await opened.close()
})
`,
  }
}
