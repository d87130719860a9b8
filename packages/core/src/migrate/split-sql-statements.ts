/**
 * Splits an SQL script into statements at top-level semicolons. Quotes (`'…'`, `"…"`, `` `…` ``,
 * `[…]`), comments (`--`, `/* *\/`), PostgreSQL dollar quotes (`$$…$$`, `$tag$…$tag$`) and the
 * `BEGIN … END` body of SQLite triggers are kept whole. Statements that are only comments are dropped.
 */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = []
  let start = 0
  let i = 0
  let triggerDepth = 0
  const n = script.length

  const push = (end: number): void => {
    const text = script.slice(start, end).trim()
    if (text && stripSqlComments(text).trim()) statements.push(text)
  }

  while (i < n) {
    const ch = script[i]!
    const next = script[i + 1]
    if (ch === '-' && next === '-') {
      const end = script.indexOf('\n', i)
      i = end === -1 ? n : end + 1
    } else if (ch === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2)
      i = end === -1 ? n : end + 2
    } else if (ch === "'" || ch === '"' || ch === '`') {
      i = skipQuoted(script, i, ch)
    } else if (ch === '[' && /[\s(,.=]/.test(script[i - 1] ?? ' ')) {
      const end = script.indexOf(']', i)
      i = end === -1 ? n : end + 1
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(script.slice(i, i + 64))?.[0]
      if (tag && !/[\w]/.test(script[i - 1] ?? ' ')) {
        const end = script.indexOf(tag, i + tag.length)
        i = end === -1 ? n : end + tag.length
      } else i++
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1
      while (j < n && /[\w$]/.test(script[j]!)) j++
      const word = script.slice(i, j).toUpperCase()
      if (word === 'BEGIN' || word === 'CASE') {
        if (word === 'CASE' || isInsideTrigger(script.slice(start, i))) triggerDepth++
      } else if (word === 'END' && triggerDepth > 0) {
        triggerDepth--
      }
      i = j
    } else if (ch === ';' && triggerDepth === 0) {
      push(i)
      start = i + 1
      i++
    } else {
      i++
    }
  }
  push(n)
  return statements
}

/** Removes `--` and `/* *\/` comments outside quotes. */
export function stripSqlComments(sql: string): string {
  let out = ''
  let i = 0
  while (i < sql.length) {
    const ch = sql[i]!
    if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i)
      i = end === -1 ? sql.length : end
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2)
      i = end === -1 ? sql.length : end + 2
    } else if (ch === "'" || ch === '"') {
      const end = skipQuoted(sql, i, ch)
      out += sql.slice(i, end)
      i = end
    } else {
      out += ch
      i++
    }
  }
  return out
}

/** True for `BEGIN [TRANSACTION]`, `COMMIT`, `END [TRANSACTION]` and `ROLLBACK` statements. */
export function isTransactionControl(statement: string): boolean {
  return /^\s*(BEGIN(\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?(\s+TRANSACTION)?|COMMIT(\s+TRANSACTION)?|END(\s+TRANSACTION)?|ROLLBACK(\s+TRANSACTION)?|START\s+TRANSACTION)\s*;?\s*$/i.test(
    stripSqlComments(statement),
  )
}

function skipQuoted(text: string, from: number, quote: string): number {
  let i = from + 1
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2
      else return i + 1
    } else i++
  }
  return text.length
}

function isInsideTrigger(statementSoFar: string): boolean {
  return /^\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i.test(stripSqlComments(statementSoFar))
}
