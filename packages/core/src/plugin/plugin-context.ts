/** What the engine tells a plugin about the run it is part of. */
export interface PluginContext {
  /** IANA time zone in which naive source times are read. Default is `UTC`. */
  readonly timezone: string
  /** `--user-id`: the external id of the user every row of the run links to, when given. */
  readonly userId?: string
  /** Records per batch. */
  readonly batchSize: number
  /** The working directory relative paths are resolved against. */
  readonly cwd: string
  /** Reports something worth the user's attention; shown in the summary. */
  warn(message: string): void
}
