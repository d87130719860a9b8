import { toDecimal } from '@ledgerport/core'

/** `a + b` exactly, for decimal strings of any length (scale: the larger of the two). */
export function addDecimals(a: string, b: string): string {
  const [x, y, scale] = aligned(a, b)
  return format(x + y, scale)
}

/** `a - b` exactly. */
export function subtractDecimals(a: string, b: string): string {
  const [x, y, scale] = aligned(a, b)
  return format(x - y, scale)
}

/** `a / 100` exactly (a percentage as a ratio): `1.49` → `0.0149`. */
export function percentToRatio(a: string): string {
  return toDecimal(`${toDecimal(a)}e-2`)
}

/** A decimal without trailing fraction zeros, for comparing values: `2451.350` → `2451.35`, `40.0` → `40`. */
export function decimalIdentity(a: string): string {
  return a.includes('.') ? a.replace(/\.?0+$/, '') : a
}

function aligned(a: string, b: string): [bigint, bigint, number] {
  const scale = Math.max(fraction(a).length, fraction(b).length)
  return [scaled(a, scale), scaled(b, scale), scale]
}

function fraction(a: string): string {
  const point = a.indexOf('.')
  return point === -1 ? '' : a.slice(point + 1)
}

function scaled(a: string, scale: number): bigint {
  const text = toDecimal(a)
  const point = text.indexOf('.')
  const integer = point === -1 ? text : text.slice(0, point)
  const digits = point === -1 ? '' : text.slice(point + 1)
  return BigInt(integer + digits.padEnd(scale, '0'))
}

function format(value: bigint, scale: number): string {
  const negative = value < 0n
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0')
  const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
  return negative ? `-${body}` : body
}
