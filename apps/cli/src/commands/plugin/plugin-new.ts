import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { Command } from 'commander'
import { UsageError } from '../../output/exit-code.js'
import type { CommandContext } from '../migrate/command-context.js'
import { sourceTemplate } from './source-template.js'

/** `ledgerport plugin new source NAME`: writes a source plugin package from a template. */
export function pluginCommand(context: CommandContext): Command {
  const command = new Command('plugin').description('create plugins: plugin new source NAME')
  command.addCommand(
    new Command('new')
      .description(
        'write a source plugin package (src/source.ts and its describeSource test) from a template that passes its test as written',
      )
      .argument('<kind>', 'what to create: source')
      .argument('<name>', 'the plugin name (lower-case letters, digits and dashes, e.g. broker-csv)')
      .option('--dir <dir>', 'the folder to write (default: ./ledgerport-source-NAME)')
      .option('--force', 'write into a folder that is not empty')
      .action((kind: string, name: string, options: { dir?: string; force?: boolean }) => {
        if (kind !== 'source')
          throw new UsageError(`plugin new ${kind}: only \`plugin new source NAME\` has a template.`)
        if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name))
          throw new UsageError(
            `"${name}" is not a plugin name: use lower-case letters, digits and dashes (e.g. broker-csv).`,
          )
        const dir = resolve(options.dir ?? `ledgerport-source-${name}`)
        if (existsSync(dir) && readdirSync(dir).length > 0 && !options.force)
          throw new UsageError(`${dir} is not empty: choose another --dir, or pass --force to write into it.`)
        const files = sourceTemplate(name)
        for (const [path, text] of Object.entries(files)) {
          const file = join(dir, path)
          mkdirSync(dirname(file), { recursive: true })
          writeFileSync(file, text)
        }
        const shown = relative(process.cwd(), dir) || '.'
        context.terminal.out(
          `created ${Object.keys(files)
            .map((path) => join(shown, path))
            .join(', ')}`,
        )
        context.terminal.out(
          `next: (cd ${shown} && npm install && npm test), then from here: ledgerport run --from ./${join(shown, 'src/source.ts')} --file orders.jsonl`,
        )
      }),
  )
  return command
}
