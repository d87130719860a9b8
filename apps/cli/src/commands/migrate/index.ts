import { Command } from 'commander'
import { baselineCommand } from './baseline.js'
import type { CommandContext } from './command-context.js'
import { downCommand } from './down.js'
import { latestCommand } from './latest.js'
import { listCommand } from './list.js'
import { makeCommand } from './make.js'
import { planCommand } from './plan.js'
import { repairCommand } from './repair.js'
import { toCommand } from './to.js'
import { upCommand } from './up.js'
import { verifyCommand } from './verify.js'

/** Aliases of `migrate` subcommands: `status`/`info` = list, `validate` = verify, `rollback` = down. */
export const MIGRATE_ALIASES: Readonly<Record<string, ReadonlyArray<string>>> = {
  list: ['status', 'info'],
  verify: ['validate'],
  down: ['rollback'],
}

/** `ledgerport migrate …`: versioned, checksummed, reversible schema migrations. */
export function migrateCommand(context: CommandContext): Command {
  const command = new Command('migrate').description(
    'schema migrations: latest, up, down (rollback), to, list (status, info), make, plan, baseline, repair, verify (validate)',
  )
  for (const make of [
    latestCommand,
    upCommand,
    downCommand,
    toCommand,
    listCommand,
    makeCommand,
    planCommand,
    baselineCommand,
    repairCommand,
    verifyCommand,
  ]) {
    const sub = make(context)
    // The names users of kysely-ctl, Flyway and Atlas type first.
    const aliases = MIGRATE_ALIASES[sub.name()]
    if (aliases) sub.aliases(aliases)
    command.addCommand(sub)
  }
  return command
}
