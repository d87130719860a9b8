import { createHash } from 'node:crypto'

/** sha256 (hex) of a text with CRLF and CR line endings normalised to LF and a leading BOM removed. */
export function checksumText(text: string): string {
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')
  return createHash('sha256').update(normalised).digest('hex')
}
