import { Command } from 'commander'
import { withDatabaseOptions } from '../../options/database-options.js'
import type { CommandContext } from './command-context.js'
import { migrateAction } from './migrate-action.js'

/** `ledgerport migrate list`: applied, pending, changed and missing migrations per database. */
export function listCommand(context: CommandContext): Command {
  return withDatabaseOptions(
    new Command('list').description('show applied / pending / changed / missing migrations'),
  ).action(
    migrateAction({
      ...context,
      name: 'list',
      readOnly: true,
      work: () => async (migrator) => {
        const { error, migrations } = await migrator.list()
        const applied = migrations.filter((m) => m.state !== 'Pending')
        return {
          ...(error ? { error: error.message } : {}),
          ok: !error && migrations.every((m) => m.state === 'Applied' || m.state === 'Pending'),
          report: {
            current: applied.at(-1)?.name ?? null,
            pending: migrations.filter((m) => m.state === 'Pending').length,
            changed: migrations.filter((m) => m.state === 'Changed').length,
            missing: migrations.filter((m) => m.state === 'Missing').length,
            migrations,
          },
        }
      },
    }),
  )
}
