/** The value type of a plugin option; drives flag parsing and validation. */
export type OptionType = 'string' | 'number' | 'boolean' | 'string[]'

/** One option of a plugin: becomes a CLI flag, an env var, a line of `--help`. */
export interface OptionSpec {
  /** Value type. */
  readonly type: OptionType
  /** One line for `--help`. */
  readonly description: string
  /** The flag, without dashes. Default is the option name in kebab-case (`dataDir` → `--data-dir`). */
  readonly flag?: string
  /** Default value. */
  readonly default?: string | number | boolean | ReadonlyArray<string>
  /** Environment variable read when the flag is absent. */
  readonly env?: string
  /** The run cannot start without it. Default is `false`. */
  readonly required?: boolean
  /** Never printed, logged or stored (passwords, tokens, URLs with credentials). Default is `false`. */
  readonly secret?: boolean
}

/** The option specs of a plugin whose options object is `O`. */
export type OptionSpecs<O> = { readonly [K in keyof O]-?: OptionSpec }
