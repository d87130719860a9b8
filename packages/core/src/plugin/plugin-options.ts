import { redactUrl, urlSecrets } from '../db/connection-url.js'
import type { OptionSpec, OptionSpecs } from './option-spec.js'

/** A plugin's options, parsed: values to pass to `create`, and a copy safe to print and store. */
export interface ParsedPluginOptions<O> {
  /** Typed values, defaults applied. */
  readonly values: O
  /** The same with every secret option replaced by `***`, and passwords and tokens in URL values too. */
  readonly redacted: Record<string, unknown>
  /** Secret values (to scrub from error messages). */
  readonly secrets: string[]
}

/** A plugin option's value was missing or malformed. */
export class PluginOptionError extends Error {
  override readonly name = 'PluginOptionError'
}

/** The CLI flag of an option: its `flag`, else its name in kebab-case. */
export function optionFlag(name: string, spec: OptionSpec): string {
  return spec.flag ?? name.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)
}

/**
 * Turns raw values (from flags or a config file) into typed plugin options: falls back to the
 * option's environment variable, then its default; converts types; rejects missing required ones.
 */
export function parsePluginOptions<O>(
  specs: OptionSpecs<O>,
  raw: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ParsedPluginOptions<O> {
  const values: Record<string, unknown> = {}
  const redacted: Record<string, unknown> = {}
  const secrets: string[] = []
  for (const [name, spec] of Object.entries(specs) as Array<[string, OptionSpec]>) {
    let value = raw[name]
    if (value === undefined && spec.env && env[spec.env] !== undefined) value = env[spec.env]
    if (value === undefined) value = spec.default
    if (value === undefined) {
      if (spec.required)
        throw new PluginOptionError(`--${optionFlag(name, spec)} is required: ${spec.description}.`)
      continue
    }
    const typed = convert(name, spec, value)
    values[name] = typed
    if (spec.secret) {
      redacted[name] = '***'
      for (const item of [typed].flat()) secrets.push(String(item))
    } else {
      // A URL option may carry a password or a token (`?authToken=`) even though it is not secret.
      const redact = (item: unknown) => (typeof item === 'string' ? redactUrl(item) : item)
      redacted[name] = Array.isArray(typed) ? typed.map(redact) : redact(typed)
      for (const item of [typed].flat()) if (typeof item === 'string') secrets.push(...urlSecrets(item))
    }
  }
  return { values: values as O, redacted, secrets }
}

function convert(name: string, spec: OptionSpec, value: unknown): unknown {
  const flag = `--${optionFlag(name, spec)}`
  switch (spec.type) {
    case 'number': {
      const number = typeof value === 'number' ? value : Number(value)
      if (!Number.isFinite(number))
        throw new PluginOptionError(`${flag} must be a number, not "${String(value)}".`)
      return number
    }
    case 'boolean':
      if (typeof value === 'boolean') return value
      if (/^(true|1|yes)$/i.test(String(value))) return true
      if (/^(false|0|no)$/i.test(String(value))) return false
      throw new PluginOptionError(`${flag} must be true or false, not "${String(value)}".`)
    case 'string[]':
      return (Array.isArray(value) ? value : String(value).split(',')).map(String).filter(Boolean)
    default:
      return String(value)
  }
}
