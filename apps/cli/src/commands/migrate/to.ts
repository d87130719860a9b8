import { NO_MIGRATIONS } from '@ledgerport/core'
import { Command } from 'commander'
import { withBackupOption, withDatabaseOptions } from '../../options/database-options.js'
import type { CommandContext } from './command-context.js'
import { migrateAction } from './migrate-action.js'

/** `ledgerport migrate to NAME`: migrate up or down until NAME is the last applied (`0` = none). */
export function toCommand(context: CommandContext): Command {
  return withBackupOption(
    withDatabaseOptions(
      new Command('to')
        .argument('<name>', 'migration name, or 0 for none')
        .description('migrate up or down until NAME is the last applied migration'),
    ),
  ).action(
    migrateAction({
      ...context,
      name: 'to',
      backup: true,
      work:
        (_options, [name]) =>
        async (migrator) => ({ resultSet: await migrator.migrateTo(name === '0' ? NO_MIGRATIONS : name!) }),
    }),
  )
}
