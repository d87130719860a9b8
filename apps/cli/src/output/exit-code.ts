/** Exit codes: the run worked; it failed (data, database, a failed migration); the command was misused. */
export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2

/** An error the user caused by the way the command was written; exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}
