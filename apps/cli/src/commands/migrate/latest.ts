import { Command } from 'commander'
import { withBackupOption, withDatabaseOptions } from '../../options/database-options.js'
import type { CommandContext } from './command-context.js'
import { migrateAction } from './migrate-action.js'

/** `ledgerport migrate latest`: apply every pending migration. */
export function latestCommand(context: CommandContext): Command {
  return withBackupOption(
    withDatabaseOptions(new Command('latest').description('apply every pending migration')),
  ).action(
    migrateAction({
      ...context,
      name: 'latest',
      backup: true,
      work: () => async (migrator) => ({ resultSet: await migrator.migrateToLatest() }),
    }),
  )
}
