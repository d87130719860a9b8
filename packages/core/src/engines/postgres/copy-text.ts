/**
 * Escapes text for PostgreSQL's COPY text format: backslash, tab, newline and carriage return
 * become `\\`, `\t`, `\n`, `\r` (a NULL is written `\N` by the caller). The one COPY-text
 * escaper of target-postgres and replicate.
 *
 * ```ts
 * copyTextEscape('a\tb') // 'a\\tb'
 * ```
 */
export function copyTextEscape(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text
  return text.replace(ESCAPED, (ch) =>
    ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r',
  )
}

const NEEDS_ESCAPE = /[\\\t\n\r]/
const ESCAPED = /[\\\t\n\r]/g
