import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))
const REPO = join(PACKAGE_DIR, '..', '..')
const TSC = createRequire(join(REPO, 'package.json')).resolve('typescript/bin/tsc')

/** The ```ts blocks of a Markdown file whose text contains `marker`. */
function blocks(file: string, marker: string): string[] {
  const text = readFileSync(join(REPO, file), 'utf8')
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).filter((b) => b.includes(marker))
}

/** The programmatic examples of the docs, each compiled as its own module. */
const EXAMPLES: ReadonlyArray<[string, string]> = [
  ['packages/core/README.md', 'new Migrator('],
  ['docs/data-runs.md', 'new DataMigrator('],
  ['docs/replicate.md', 'new Replicator('],
  ['docs/writing-a-source.md', "CanonicalRecord<'fills'>"],
]

describe("the docs' code examples", () => {
  it('compile under tsc --strict against the published packages', () => {
    // Inside this package, so the examples resolve @ledgerport/* as an installed bundle does.
    const dir = mkdtempSync(join(PACKAGE_DIR, '.docs-check-'))
    try {
      const files: string[] = []
      for (const [file, marker] of EXAMPLES) {
        const found = blocks(file, marker)
        expect(found.length, `${file}: a \`\`\`ts block with ${marker}`).toBeGreaterThan(0)
        found.forEach((block, index) => {
          const name = `${file.replace(/[/.]/g, '_')}_${index}.ts`
          // Each block is a module of its own (top-level await, no clashes between blocks).
          writeFileSync(join(dir, name), `${block}\nexport {}\n`)
          files.push(name)
        })
      }
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'es2022',
            lib: ['es2023'],
            module: 'nodenext',
            moduleResolution: 'nodenext',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: ['node'],
            typeRoots: [join(PACKAGE_DIR, 'node_modules', '@types')],
          },
          files,
        }),
      )
      const tsc = spawnSync(process.execPath, [TSC, '-p', dir], { cwd: dir, encoding: 'utf8' })
      expect(tsc.stdout + tsc.stderr, 'tsc --strict on the examples').toBe('')
      expect(tsc.status).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
