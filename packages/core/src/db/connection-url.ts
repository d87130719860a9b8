/** The database engines ledgerport connects to. */
export type DatabaseKind = 'postgres' | 'sqlite' | 'libsql'

/** A connection URL taken apart: which engine, and where. */
export interface ParsedConnectionUrl {
  /** The engine that serves this URL. */
  readonly kind: DatabaseKind
  /** The URL as given. May hold a password or token: never print it, print {@link redactUrl} instead. */
  readonly url: string
  /** For `sqlite:PATH` and `file:PATH`: the file path (`:memory:` for an in-memory database). */
  readonly path?: string
  /** True for libSQL URLs served over the network (`libsql://`, `http(s)://`, `ws(s)://`). */
  readonly remote: boolean
}

const SECRET_PARAMS = /([?&](?:authToken|auth_token|token|password|sslpassword|sslkey)=)[^&#]*/gi

/**
 * Tells which engine a URL belongs to.
 *
 * - `postgres://…`, `postgresql://…` → PostgreSQL (node-postgres)
 * - `sqlite:PATH`, `sqlite://PATH`, a path ending in `.db`/`.sqlite`/`.sqlite3` → SQLite (better-sqlite3)
 * - `file:PATH`, `libsql://…`, `http(s)://…`, `ws(s)://…` → libSQL (@libsql/client)
 *
 * Throws a `TypeError` naming the accepted forms for anything else.
 */
export function parseConnectionUrl(url: string): ParsedConnectionUrl {
  const trimmed = url.trim()
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return { kind: 'postgres', url: trimmed, remote: true }
  if (/^sqlite:/i.test(trimmed)) {
    const path = trimmed.replace(/^sqlite:(\/\/)?/i, '')
    if (!path) throw new TypeError(`The SQLite URL "${trimmed}" has no path. Write sqlite:./file.db.`)
    return { kind: 'sqlite', url: trimmed, path, remote: false }
  }
  if (/^file:/i.test(trimmed)) {
    const path = trimmed.replace(/^file:(\/\/)?/i, '').replace(/\?.*$/, '')
    return { kind: 'libsql', url: trimmed, path, remote: false }
  }
  if (/^(libsql|https?|wss?):\/\//i.test(trimmed)) return { kind: 'libsql', url: trimmed, remote: true }
  if (/\.(db|sqlite3?)$/i.test(trimmed) && !trimmed.includes('://')) {
    return { kind: 'sqlite', url: `sqlite:${trimmed}`, path: trimmed, remote: false }
  }
  throw new TypeError(
    `Unrecognised database URL "${redactUrl(trimmed)}". Use postgres://user@host/db, sqlite:PATH, file:PATH, libsql://host or https://host.`,
  )
}

/**
 * Returns the URL with its password and any token-like query parameter replaced by `***`.
 * Safe to print, log and store. Text that is not a URL comes back unchanged.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*):[^@/?#]*@/i, '$1:***@')
    .replace(SECRET_PARAMS, '$1***')
}

/**
 * Replaces every occurrence of the given secrets (passwords, tokens) in a text with `***`,
 * and redacts any URL-embedded password. Used on error messages before they reach output.
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s?#]*):[^@/\s?#]*@/gi, '$1:***@')
    .replace(SECRET_PARAMS, '$1***')
  for (const secret of secrets) if (secret && secret.length >= 3) out = out.split(secret).join('***')
  return out
}

/** The password of a URL, if it has one (for {@link redactSecrets}). */
export function urlSecrets(url: string): string[] {
  const secrets: string[] = []
  const password = /^[a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:([^@/?#]*)@/i.exec(url)?.[1]
  if (password) secrets.push(password, decodeURIComponent(password))
  for (const m of url.matchAll(SECRET_PARAMS)) {
    const value = url.slice((m.index ?? 0) + m[1]!.length).split(/[&#]/)[0]
    if (value) secrets.push(value)
  }
  return secrets
}
