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

/** `ledgerport migrate …`: versioned, checksummed, reversible schema migrations. */
export function migrateCommand(context: CommandContext): Command {
  const command = new Command('migrate').description(
    'schema migrations: latest, up, down, to, list, make, plan, baseline, repair, verify',
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
    command.addCommand(make(context))
  }
  return command
}
