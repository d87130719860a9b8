import { NO_MIGRATIONS } from '@ledgerport/core'
import { Command } from 'commander'
import { withDatabaseOptions } from '../../options/database-options.js'
import type { CommandContext } from './command-context.js'
import { migrateAction } from './migrate-action.js'

/** `ledgerport migrate plan [--to NAME]`: the SQL that would run, rehearsed without changing the database. */
export function planCommand(context: CommandContext): Command {
  return withDatabaseOptions(
    new Command('plan').description(
      'print the SQL that latest (or --to NAME) would run; the database is left unchanged',
    ),
  )
    .option('--to <name>', 'plan migrating to NAME (0 for none) instead of to the latest')
    .action(
      migrateAction({
        ...context,
        name: 'plan',
        readOnly: true,
        work: (options) => {
          const to = (options as { to?: string }).to
          return async (migrator) => ({
            resultSet: await migrator.plan(
              to === undefined ? { kind: 'latest' } : { kind: 'to', name: to === '0' ? NO_MIGRATIONS : to },
            ),
          })
        },
      }),
    )
}
