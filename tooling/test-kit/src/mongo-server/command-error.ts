/** A command failure, sent to the client as `{ ok: 0, errmsg, code, codeName }`, as mongod does. */
export class CommandError extends Error {
  override readonly name = 'CommandError'
  /** MongoDB's numeric error code (e.g. 59 for an unknown command). */
  readonly code: number
  /** MongoDB's name for the code (e.g. `CommandNotFound`). */
  readonly codeName: string

  constructor(code: number, codeName: string, message: string) {
    super(message)
    this.code = code
    this.codeName = codeName
  }
}

/** `BadValue` (2): a malformed argument. */
export function badValue(message: string): CommandError {
  return new CommandError(2, 'BadValue', message)
}

/** `TypeMismatch` (14): an argument of the wrong type. */
export function typeMismatch(message: string): CommandError {
  return new CommandError(14, 'TypeMismatch', message)
}
