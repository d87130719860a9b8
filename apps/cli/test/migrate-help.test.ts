import { describe, expect, it } from 'vitest'
import { runCli } from './run-cli.js'

describe('ledgerport migrate down --help', () => {
  it('says --all selects databases and --all-migrations reverts every migration', async () => {
    const help = await runCli(['migrate', 'down', '--help'])
    expect(help.code).toBe(0)
    // `--all` is every database of the config: a help text that read "with --all, revert every one"
    // made `migrate down --all --yes` revert one migration in each production database.
    expect(help.stdout).not.toContain('with --all, revert every one')
    expect(help.stdout).toMatch(/--all-migrations reverts every one/)
    expect(help.stdout).toMatch(/--all selects every database of the config/)
  })
})
