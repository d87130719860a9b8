import { NO_MIGRATIONS } from '@ledgerport/core'
import { Command } from 'commander'
import { withBackupOption, withDatabaseOptions } from '../../options/database-options.js'
import type { CommandContext } from './command-context.js'
import { migrateAction } from './migrate-action.js'
import { parseCount } from './parse-count.js'

/**
 * `ledgerport migrate down [N] | --all-migrations`: revert the last N applied migrations, or all of
 * them. `--all` (shared with every migrate command) selects every database of the config, not every
 * migration: the help says so, since confusing the two reverts production.
 */
export function downCommand(context: CommandContext): Command {
  return withBackupOption(
    withDatabaseOptions(
      new Command('down')
        .argument('[count]', 'how many', '1')
        .description(
          'revert the last N applied migrations (default 1) of each selected database; --all-migrations reverts every one (--all selects every database of the config)',
        ),
    ).option('--all-migrations', 'revert every applied migration (alias: `migrate to 0`)'),
  ).action(
    migrateAction({
      ...context,
      name: 'down',
      backup: true,
      confirm: (options, [count]) =>
        `Revert ${(options as { allMigrations?: boolean }).allMigrations ? 'every applied migration' : `the last ${count ?? 1} migration(s)`}?`,
      work: (options, [count]) => {
        const all = Boolean((options as { allMigrations?: boolean }).allMigrations)
        const n = parseCount(count)
        return async (migrator) => ({
          resultSet: all ? await migrator.migrateTo(NO_MIGRATIONS) : await migrator.migrateDown(n),
        })
      },
    }),
  )
}
