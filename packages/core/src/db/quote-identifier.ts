/** Quotes an SQL identifier (double quotes, inner quotes doubled); valid on every engine ledgerport uses. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}
