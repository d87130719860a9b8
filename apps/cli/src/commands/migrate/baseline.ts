import { Command } from 'commander'
import { withBackupOption, withDatabaseOptions } from '../../options/database-options.js'
import type { CommandContext } from './command-context.js'
import { migrateAction } from './migrate-action.js'

/** `ledgerport migrate baseline [NAME]`: adopt an existing database. */
export function baselineCommand(context: CommandContext): Command {
  return withBackupOption(
    withDatabaseOptions(
      new Command('baseline')
        .argument('[name]', 'mark every migration up to and including NAME as applied')
        .description(
          'adopt an existing database: import kysely_migration / schema_migrations / schema_version history, and mark migrations up to NAME as applied without running them',
        ),
    ),
  ).action(
    migrateAction({
      ...context,
      name: 'baseline',
      backup: true,
      work:
        (_options, [name]) =>
        async (migrator) => ({ resultSet: await migrator.baseline(name) }),
    }),
  )
}
