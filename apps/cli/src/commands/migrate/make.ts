import { makeMigrationFile } from '@ledgerport/core'
import { Command } from 'commander'
import { withDatabaseOptions } from '../../options/database-options.js'
import type { CommandContext } from './command-context.js'
import { migrateAction } from './migrate-action.js'

/** `ledgerport migrate make NAME [--sql]`: create the next numbered migration file. */
export function makeCommand(context: CommandContext): Command {
  return withDatabaseOptions(
    new Command('make')
      .argument('<name>', 'what it does, e.g. add_hybrid_sl')
      .description('create the next numbered migration file'),
  )
    .option('--sql', 'write an .sql file with -- migrate:up / -- migrate:down sections instead of TypeScript')
    .action(
      migrateAction({
        ...context,
        name: 'make',
        work:
          (options, [name]) =>
          async (_migrator, database) => ({
            report: {
              file: await makeMigrationFile({
                folder: database.migrations,
                name: name!,
                sql: Boolean((options as { sql?: boolean }).sql),
              }),
            },
          }),
      }),
    )
}
