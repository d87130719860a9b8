import { Command } from 'commander'
import { withBackupOption, withDatabaseOptions } from '../../options/database-options.js'
import type { CommandContext } from './command-context.js'
import { migrateAction } from './migrate-action.js'
import { parseCount } from './parse-count.js'

/** `ledgerport migrate up [N]`: apply the next N pending migrations. */
export function upCommand(context: CommandContext): Command {
  return withBackupOption(
    withDatabaseOptions(
      new Command('up')
        .argument('[count]', 'how many', '1')
        .description('apply the next N pending migrations (default 1)'),
    ),
  ).action(
    migrateAction({
      ...context,
      name: 'up',
      backup: true,
      work: (_options, [count]) => {
        const n = parseCount(count)
        return async (migrator) => ({ resultSet: await migrator.migrateUp(n) })
      },
    }),
  )
}
