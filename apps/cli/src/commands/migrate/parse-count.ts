import { UsageError } from '../../output/exit-code.js'

/** Parses a positive migration count argument (default 1). */
export function parseCount(value: string | undefined): number {
  if (value === undefined) return 1
  const count = Number(value)
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`"${value}" is not a positive number of migrations.`)
  return count
}
