import type { SqliteRow, SqliteValue } from './values.js'

/**
 * A function turning a raw row into an object with these keys: one object literal, so every row
 * shares one hidden class with in-object properties. A repeated name keeps its first position and
 * its last value, as with better-sqlite3's objects; `__proto__` is an own key, never the prototype.
 */
export function rowMaker(columns: ReadonlyArray<string>): (values: ReadonlyArray<SqliteValue>) => SqliteRow {
  const fields = columns.map(
    (name, index) => `${name === '__proto__' ? '["__proto__"]' : JSON.stringify(name)}: v[${index}]`,
  )
  return new Function('v', `return { ${fields.join(', ')} }`) as (
    values: ReadonlyArray<SqliteValue>,
  ) => SqliteRow
}
