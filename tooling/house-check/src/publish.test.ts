import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { describe, expect, it } from 'vitest'
import { readWorkspacePackages } from './workspace.js'

/** Every package a team can install: the public (not `private`) ones of packages/ and apps/. */
const PUBLIC = readWorkspacePackages(['packages', 'apps']).filter((pkg) => !pkg.manifest.private)

describe('publishable packages', () => {
  it('finds the public packages', () => {
    expect(PUBLIC.map((pkg) => pkg.name)).toContain('@ledgerport/core')
    expect(PUBLIC.length).toBeGreaterThanOrEqual(15)
  })

  for (const pkg of PUBLIC) {
    it(`${pkg.name}: license, repository, engines, README, LICENSE, and publint finds nothing`, async () => {
      const manifest = JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8')) as Record<
        string,
        unknown
      >
      expect.soft(manifest.license, `${pkg.path}/package.json license`).toBe('Apache-2.0')
      expect
        .soft(
          (manifest.repository as { directory?: string } | undefined)?.directory,
          `${pkg.path} repository`,
        )
        .toBe(pkg.path)
      expect
        .soft((manifest.engines as { node?: string } | undefined)?.node, `${pkg.path} engines.node`)
        .toBeTruthy()
      expect.soft(existsSync(join(pkg.dir, 'README.md')), `${pkg.path}/README.md`).toBe(true)
      expect.soft(existsSync(join(pkg.dir, 'LICENSE')), `${pkg.path}/LICENSE`).toBe(true)
      expect.soft(typeof manifest.description, `${pkg.path} description`).toBe('string')
      // publint lists what `npm pack` would publish, and checks it.
      const { messages, pkg: packed } = await publint({
        pkgDir: pkg.dir,
        level: 'suggestion',
        strict: true,
        pack: 'npm',
      })
      const text = messages.map(
        (message) => `${message.type}: ${formatMessage(message, packed) ?? message.code}`,
      )
      expect(text, `publint ${pkg.path}`).toEqual([])
    })
  }
})
