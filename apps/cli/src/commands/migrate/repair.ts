import { Command } from 'commander'
import { withBackupOption, withDatabaseOptions } from '../../options/database-options.js'
import type { CommandContext } from './command-context.js'
import { migrateAction } from './migrate-action.js'

/** `ledgerport migrate repair`: accept edited migrations' checksums and forget deleted ones. */
export function repairCommand(context: CommandContext): Command {
  return withBackupOption(
    withDatabaseOptions(
      new Command('repair').description(
        'accept the checksums of edited applied migrations and forget ledger rows whose files are gone',
      ),
    ),
  ).action(
    migrateAction({
      ...context,
      name: 'repair',
      backup: true,
      confirm: () => 'Accept every edited migration as it is now and forget migrations whose files are gone?',
      work: () => async (migrator) => ({ resultSet: await migrator.repair() }),
    }),
  )
}
