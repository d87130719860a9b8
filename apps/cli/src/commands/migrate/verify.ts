import { Command } from 'commander'
import { withDatabaseOptions } from '../../options/database-options.js'
import type { CommandContext } from './command-context.js'
import { migrateAction } from './migrate-action.js'

/** `ledgerport migrate verify`: checksums plus each applied migration's verify(db). */
export function verifyCommand(context: CommandContext): Command {
  return withDatabaseOptions(
    new Command('verify').description("check applied migrations' checksums and run their verify(db)"),
  ).action(
    migrateAction({
      ...context,
      name: 'verify',
      readOnly: true,
      work: () => async (migrator) => ({ resultSet: await migrator.verify() }),
    }),
  )
}
