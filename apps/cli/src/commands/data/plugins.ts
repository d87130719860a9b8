import { type OptionSpecs, optionFlag } from '@ledgerport/core'
import { Command } from 'commander'
import { BUILT_IN_SOURCES, BUILT_IN_TARGETS } from '../../built-in-plugins.js'
import { loadDataConfig, loadSource, ownPluginName } from '../../config-plugins.js'
import { importPackage } from '../../optional-package.js'
import { renderTable } from '../../output/render-table.js'
import type { CommandContext } from '../migrate/command-context.js'

/** `ledgerport plugins`: installed sources and targets, with their options. */
export function pluginsCommand(context: CommandContext): Command {
  return new Command('plugins')
    .description('list installed source and target plugins with their options')
    .option('--json', 'print JSON on stdout')
    .option(
      '--config <file>',
      'also list the plugins this config file names (default: ./ledgerport.config.ts if present)',
    )
    .action(async (options: { json?: boolean; config?: string }) => {
      const config = await loadDataConfig(options.config)
      const own = Object.keys(config.config.plugins?.sources ?? {})
      const describe = (specs: OptionSpecs<any>) =>
        Object.entries(specs).map(([name, spec]) => ({ flag: `--${optionFlag(name, spec)}`, ...spec }))
      const sources: Array<{
        name: string
        plugin?: string
        summary: string
        installed: boolean
        options: unknown[]
      }> = []
      for (const name of ['synthetic', ...BUILT_IN_SOURCES, ...own]) {
        try {
          const plugin = await loadSource(name, config)
          sources.push({
            name: plugin.name,
            ...(ownPluginName(plugin) !== plugin.name ? { plugin: ownPluginName(plugin) } : {}),
            summary: plugin.summary,
            installed: true,
            options: describe(plugin.options),
          })
        } catch {
          sources.push({
            name,
            summary: own.includes(name)
              ? `cannot be loaded (${config.config.plugins?.sources?.[name]}, named in ${config.file})`
              : `not installed (@ledgerport/source-${name})`,
            installed: false,
            options: [],
          })
        }
      }
      const targets: Array<{ name: string; summary: string; options: unknown[] }> = []
      for (const name of BUILT_IN_TARGETS) {
        try {
          const { target } = (await importPackage(name)) as {
            target: { name: string; summary: string; options: OptionSpecs<any> }
          }
          targets.push({ name: target.name, summary: target.summary, options: describe(target.options) })
        } catch {
          targets.push({ name, summary: 'not installed', options: [] })
        }
      }
      if (options.json) {
        context.terminal.out(JSON.stringify({ command: 'plugins', ok: true, sources, targets }, null, 2))
        return
      }
      context.terminal.out(
        renderTable(
          ['source (--from)', 'summary'],
          sources.map((s) => [s.name, s.plugin ? `${s.summary} (module name ${s.plugin})` : s.summary]),
        ),
      )
      context.terminal.out()
      context.terminal.out(
        renderTable(
          ['target (--to)', 'summary'],
          targets.map((t) => [t.name, t.summary]),
        ),
      )
      context.terminal.out("\n`ledgerport run --from NAME --help` lists a source's own flags.")
    })
}
