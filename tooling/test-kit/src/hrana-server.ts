import { randomBytes } from 'node:crypto'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'

/** Options for {@link startHranaServer}. */
export interface HranaServerOptions {
  /** SQLite database file to serve. It is created if missing and switched to WAL mode, as sqld does. */
  dbPath: string
  /** When set, every request must carry `Authorization: Bearer <authToken>`; others get HTTP 401. */
  authToken?: string
  /**
   * How long a statement waits for a lock held by another stream (or process) before it fails with
   * `SQLITE_BUSY`. Default 5000 ms.
   */
  busyTimeoutMs?: number
  /**
   * A stream that receives no request for this long is closed and its open transaction rolled back.
   * Default 10000 ms, as in sqld.
   */
  streamIdleTimeoutMs?: number
}

/** A running server started by {@link startHranaServer}. */
export interface HranaServer {
  /** Base URL to pass to `createClient({ url })`, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** The TCP port the server listens on. */
  readonly port: number
  /** Number of HTTP requests received so far, including version probes and rejected requests. */
  readonly requests: number
  /** Closes every open stream (rolling back its transaction) and stops listening. */
  close(): Promise<void>
}

/**
 * Starts a libSQL "Hrana over HTTP" server (JSON encoding, protocol versions 2 and 3) on
 * 127.0.0.1 with a random free port, backed by a real SQLite file through better-sqlite3. Each
 * stream (baton) has its own connection, so `@libsql/client` interactive transactions work.
 *
 * @example
 * const server = await startHranaServer({ dbPath: '/tmp/test.db', authToken: 'secret' })
 * const client = createClient({ url: server.url, authToken: 'secret' })
 * await client.execute('SELECT 1')
 * client.close()
 * await server.close()
 */
export async function startHranaServer(options: HranaServerOptions): Promise<HranaServer> {
  if (options.dbPath === '' || options.dbPath === ':memory:') {
    throw new Error('startHranaServer needs a database file: every stream opens its own connection')
  }
  const setup = new Database(options.dbPath)
  try {
    setup.pragma('journal_mode = WAL')
  } finally {
    setup.close()
  }
  const server = new HranaHttpServer(options)
  await server.listen()
  return server
}

type SqlValue = null | bigint | number | string | Buffer

interface Stmt {
  sql: string
  args: SqlValue[]
  namedArgs: [string, SqlValue][]
  wantRows: boolean
}

type Cond =
  | { type: 'ok' | 'error'; step: number }
  | { type: 'not'; cond: Cond }
  | { type: 'and' | 'or'; conds: Cond[] }
  | { type: 'is_autocommit' }

interface BatchStep {
  condition: Cond | undefined
  stmt: Stmt
}

type ProtoValue =
  | { type: 'null' }
  | { type: 'integer'; value: string }
  | { type: 'float'; value: number }
  | { type: 'text'; value: string }
  | { type: 'blob'; base64: string }

interface Col {
  name: string | null
  decltype: string | null
}

interface StmtResult {
  cols: Col[]
  rows: ProtoValue[][]
  affected_row_count: number
  last_insert_rowid: string | null
}

interface ProtoError {
  message: string
  code: string
}

type StreamResult = { type: 'ok'; response: Record<string, unknown> } | { type: 'error'; error: ProtoError }

interface Stream {
  db: Database.Database
  sqls: Map<number, string>
  baton: string | undefined
  closed: boolean
  readOnlyTransaction: boolean
  idleTimer: ReturnType<typeof setTimeout> | undefined
  counters: Database.Statement | undefined
}

/** A malformed request: the whole HTTP request fails with status 400 and the stream is closed, as in sqld. */
class ProtocolError extends Error {
  constructor(
    message: string,
    readonly code = 'PROTOCOL_ERROR',
  ) {
    super(message)
  }
}

/** A failed stream request, reported to the client as an error result. */
class RequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message)
  }
}

const BUSY_RETRY_MS = 5
const READONLY_BEGIN = /^\s*BEGIN\s+(?:TRANSACTION\s+)?READONLY\s*;?\s*$/i

class HranaHttpServer implements HranaServer {
  url = ''
  port = 0
  requests = 0
  readonly #options: HranaServerOptions
  readonly #busyTimeoutMs: number
  readonly #idleTimeoutMs: number
  readonly #http: Server
  readonly #streams = new Set<Stream>()
  readonly #batons = new Map<string, Stream>()
  readonly #expiredBatons = new Set<string>()
  #closed = false

  constructor(options: HranaServerOptions) {
    this.#options = options
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000
    this.#idleTimeoutMs = options.streamIdleTimeoutMs ?? 10_000
    this.#http = createServer((req, res) => {
      this.requests++
      this.#handleHttp(req, res).catch((error: unknown) => {
        sendJson(res, 500, { message: String(error), code: 'INTERNAL_ERROR' })
      })
    })
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject)
      this.#http.listen(0, '127.0.0.1', () => {
        this.#http.off('error', reject)
        resolve()
      })
    })
    this.port = (this.#http.address() as AddressInfo).port
    this.url = `http://127.0.0.1:${this.port}`
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const stream of [...this.#streams]) this.#closeStream(stream)
    const closing = new Promise<void>((resolve, reject) =>
      this.#http.close((error) => (error ? reject(error) : resolve())),
    )
    this.#http.closeAllConnections()
    await closing
  }

  async #handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = this.#options.authToken
    if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) {
      // sqld's shape ({ error }), which the client reports as LibsqlError SERVER_ERROR with the status
      sendJson(res, 401, { error: 'Unauthorized: missing or invalid authorization token' })
      return
    }
    if (this.#closed) {
      sendJson(res, 503, { message: 'The server is shutting down', code: 'SERVER_CLOSED' })
      return
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (req.method === 'GET' && (path === '/v2' || path === '/v3')) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end()
      return
    }
    const endpoint = req.method === 'POST' ? /^\/v[23]\/(pipeline|cursor)$/.exec(path)?.[1] : undefined
    if (endpoint === 'cursor' && path.startsWith('/v2')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Cursors need protocol version 3')
      return
    }
    if (endpoint !== undefined) {
      let body: unknown
      try {
        body = JSON.parse(await readBody(req))
      } catch {
        sendJson(res, 400, { message: 'Request body is not valid JSON', code: 'PROTOCOL_ERROR' })
        return
      }
      try {
        if (endpoint === 'pipeline') {
          sendJson(res, 200, await this.#pipeline(body))
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end(await this.#cursor(body))
        }
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error
        sendJson(res, 400, { message: error.message, code: error.code })
      }
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`Not found: ${req.method} ${path}`)
  }

  async #pipeline(body: unknown): Promise<{ baton: string | null; base_url: null; results: StreamResult[] }> {
    const request = obj(body, 'pipeline request')
    const requests = arr(request.requests, 'requests')
    const { baton, result } = await this.#onStream(request.baton, async (stream) => {
      const results: StreamResult[] = []
      for (const streamRequest of requests) results.push(await this.#handleRequest(stream, streamRequest))
      return results
    })
    return { baton, base_url: null, results: result }
  }

  /** The response is all JSON lines at once: a test server has no need to stream rows. */
  async #cursor(body: unknown): Promise<string> {
    const request = obj(body, 'cursor request')
    const { baton, result } = await this.#onStream(request.baton, (stream) =>
      this.#batch(stream, decodeBatch(stream, request.batch)),
    )
    const entries: unknown[] = [{ baton, base_url: null }]
    result.step_results.forEach((stepResult, step) => {
      const error = result.step_errors[step]
      if (error) {
        entries.push({ type: 'step_error', step, error })
      } else if (stepResult) {
        const { cols, rows, affected_row_count, last_insert_rowid } = stepResult
        entries.push({ type: 'step_begin', step, cols })
        for (const row of rows) entries.push({ type: 'row', row })
        entries.push({ type: 'step_end', affected_row_count, last_insert_rowid })
      }
    })
    return entries.map((entry) => `${JSON.stringify(entry)}\n`).join('')
  }

  /** Runs `work` on the stream named by `baton` (a new stream when absent) and returns the next baton. */
  async #onStream<T>(
    baton: unknown,
    work: (stream: Stream) => Promise<T>,
  ): Promise<{ baton: string | null; result: T }> {
    const stream = this.#acquireStream(optStr(baton, 'baton'))
    let result: T
    try {
      result = await work(stream)
    } catch (error) {
      this.#closeStream(stream)
      throw error
    }
    if (this.#closed) this.#closeStream(stream)
    if (stream.closed) return { baton: null, result }
    const nextBaton = randomBytes(24).toString('base64url')
    stream.baton = nextBaton
    this.#batons.set(nextBaton, stream)
    stream.idleTimer = setTimeout(() => {
      this.#expiredBatons.add(nextBaton)
      this.#closeStream(stream)
    }, this.#idleTimeoutMs)
    stream.idleTimer.unref()
    return { baton: nextBaton, result }
  }

  #acquireStream(baton: string | undefined): Stream {
    if (this.#closed) throw new ProtocolError('The server is shutting down', 'SERVER_CLOSED')
    if (baton === undefined) {
      const db = new Database(this.#options.dbPath, { timeout: 0 })
      db.defaultSafeIntegers(true)
      const stream: Stream = {
        db,
        sqls: new Map(),
        baton: undefined,
        closed: false,
        readOnlyTransaction: false,
        idleTimer: undefined,
        counters: undefined,
      }
      this.#streams.add(stream)
      return stream
    }
    const stream = this.#batons.get(baton)
    if (stream === undefined) {
      if (this.#expiredBatons.has(baton)) {
        throw new ProtocolError('The stream has expired due to inactivity', 'STREAM_EXPIRED')
      }
      throw new ProtocolError('The baton is invalid or was already used', 'BATON_INVALID')
    }
    this.#batons.delete(baton)
    clearTimeout(stream.idleTimer)
    return stream
  }

  #closeStream(stream: Stream): void {
    if (stream.closed) return
    stream.closed = true
    clearTimeout(stream.idleTimer)
    if (stream.baton !== undefined) this.#batons.delete(stream.baton)
    this.#streams.delete(stream)
    stream.db.close()
  }

  async #handleRequest(stream: Stream, value: unknown): Promise<StreamResult> {
    const request = obj(value, 'stream request')
    const type = request.type
    if (type === 'close') {
      this.#closeStream(stream)
      return { type: 'ok', response: { type } }
    }
    if (stream.closed) throw new ProtocolError('The stream has already been closed', 'STREAM_CLOSED')
    try {
      switch (type) {
        case 'execute': {
          const result = await this.#execute(stream, decodeStmt(stream, request.stmt))
          return { type: 'ok', response: { type, result } }
        }
        case 'batch': {
          const result = await this.#batch(stream, decodeBatch(stream, request.batch))
          return { type: 'ok', response: { type, result } }
        }
        case 'sequence': {
          await this.#sequence(stream, resolveSql(stream, request))
          return { type: 'ok', response: { type } }
        }
        case 'describe': {
          const sql = resolveSql(stream, request)
          const result = await this.#withBusyRetry(() => describeStmt(stream.db, sql))
          return { type: 'ok', response: { type, result } }
        }
        case 'store_sql': {
          const sqlId = int(request.sql_id, 'sql_id')
          if (stream.sqls.has(sqlId)) {
            throw new ProtocolError(`SQL text ${sqlId} is already stored`, 'SQL_EXISTS')
          }
          stream.sqls.set(sqlId, str(request.sql, 'sql'))
          return { type: 'ok', response: { type } }
        }
        case 'close_sql':
          stream.sqls.delete(int(request.sql_id, 'sql_id'))
          return { type: 'ok', response: { type } }
        case 'get_autocommit':
          return { type: 'ok', response: { type, is_autocommit: !stream.db.inTransaction } }
        default:
          throw new ProtocolError(`Unknown stream request type ${JSON.stringify(type)}`)
      }
    } catch (error) {
      if (error instanceof ProtocolError) throw error
      return { type: 'error', error: toProtoError(error) }
    }
  }

  #execute(stream: Stream, stmt: Stmt): Promise<StmtResult> {
    return this.#withBusyRetry(() => executeStmt(stream, stmt))
  }

  async #batch(
    stream: Stream,
    steps: BatchStep[],
  ): Promise<{ step_results: (StmtResult | null)[]; step_errors: (ProtoError | null)[] }> {
    const results: (StmtResult | null)[] = []
    const errors: (ProtoError | null)[] = []
    for (const step of steps) {
      if (step.condition !== undefined && !evalCond(step.condition, results, errors, stream.db)) {
        results.push(null)
        errors.push(null)
        continue
      }
      try {
        results.push(await this.#execute(stream, step.stmt))
        errors.push(null)
      } catch (error) {
        results.push(null)
        errors.push(toProtoError(error))
      }
    }
    return { step_results: results, step_errors: errors }
  }

  /**
   * better-sqlite3 cannot run a script one statement at a time, so a BUSY failure cannot be retried
   * without re-running earlier statements. Instead, wait until no other stream holds a transaction,
   * then let SQLite's own busy handler cover locks held by other processes.
   */
  async #sequence(stream: Stream, sql: string): Promise<void> {
    const deadline = Date.now() + this.#busyTimeoutMs
    const othersInTransaction = () =>
      [...this.#streams].some((other) => other !== stream && other.db.inTransaction)
    while (othersInTransaction() && Date.now() < deadline) await sleep(BUSY_RETRY_MS)
    stream.db.pragma(`busy_timeout = ${Math.max(0, deadline - Date.now())}`)
    try {
      stream.db.exec(sql)
    } finally {
      if (stream.db.open) {
        stream.db.pragma('busy_timeout = 0')
        endReadOnlyTransaction(stream)
      }
    }
  }

  /**
   * Connections have no native busy timeout: a blocking wait would freeze the event loop, so the
   * stream holding the lock could never commit. Statements failing with SQLITE_BUSY are retried
   * asynchronously instead.
   */
  async #withBusyRetry<T>(run: () => T): Promise<T> {
    const deadline = Date.now() + this.#busyTimeoutMs
    for (;;) {
      try {
        return run()
      } catch (error) {
        if (!isRetryableBusy(error) || Date.now() >= deadline) throw error
      }
      await sleep(BUSY_RETRY_MS)
    }
  }
}

function executeStmt(stream: Stream, stmt: Stmt): StmtResult {
  const { db } = stream
  try {
    if (READONLY_BEGIN.test(stmt.sql)) {
      // libSQL syntax used by client.transaction('read'); SQLite has no such statement
      db.prepare('BEGIN DEFERRED').run()
      db.pragma('query_only = ON')
      stream.readOnlyTransaction = true
      return {
        cols: [],
        rows: [],
        affected_row_count: 0,
        last_insert_rowid: counters(stream).lastInsertRowid,
      }
    }
    const prepared = db.prepare(stmt.sql)
    const params = bindParams(stmt)
    if (!prepared.reader) {
      const info = prepared.run(...params)
      return {
        cols: [],
        rows: [],
        affected_row_count: info.changes,
        last_insert_rowid: String(info.lastInsertRowid),
      }
    }
    const cols = prepared.columns().map((col) => ({ name: col.name, decltype: col.type }))
    const totalBefore = prepared.readonly ? undefined : counters(stream).totalChanges
    const rows = prepared.raw(true).all(...params) as unknown[][]
    const after = counters(stream)
    return {
      cols,
      rows: stmt.wantRows ? rows.map((row) => row.map(encodeValue)) : [],
      affected_row_count: totalBefore !== undefined && after.totalChanges !== totalBefore ? after.changes : 0,
      last_insert_rowid: after.lastInsertRowid,
    }
  } finally {
    if (db.open) endReadOnlyTransaction(stream)
  }
}

function endReadOnlyTransaction(stream: Stream): void {
  if (stream.readOnlyTransaction && !stream.db.inTransaction) {
    stream.db.pragma('query_only = OFF')
    stream.readOnlyTransaction = false
  }
}

function counters(stream: Stream): { changes: number; totalChanges: bigint; lastInsertRowid: string } {
  stream.counters ??= stream.db.prepare('SELECT changes(), total_changes(), last_insert_rowid()').raw(true)
  const [changes, totalChanges, lastInsertRowid] = stream.counters.get() as [bigint, bigint, bigint]
  return { changes: Number(changes), totalChanges, lastInsertRowid: String(lastInsertRowid) }
}

function bindParams(stmt: Stmt): unknown[] {
  if (stmt.namedArgs.length === 0) return stmt.args
  if (stmt.args.length > 0) {
    throw new RequestError(
      'Specifying both positional and named arguments is not supported',
      'ARGS_BOTH_POSITIONAL_AND_NAMED',
    )
  }
  const named: Record<string, SqlValue> = {}
  for (const [name, value] of stmt.namedArgs) named[name.replace(/^[:@$]/, '')] = value
  return [named]
}

function evalCond(cond: Cond, results: unknown[], errors: unknown[], db: Database.Database): boolean {
  switch (cond.type) {
    case 'ok':
      return results[cond.step] != null
    case 'error':
      return errors[cond.step] != null
    case 'not':
      return !evalCond(cond.cond, results, errors, db)
    case 'and':
      return cond.conds.every((c) => evalCond(c, results, errors, db))
    case 'or':
      return cond.conds.some((c) => evalCond(c, results, errors, db))
    case 'is_autocommit':
      return !db.inTransaction
  }
}

function describeStmt(db: Database.Database, sql: string) {
  const prepared = db.prepare(sql)
  return {
    params: describeParams(sql).map((name) => ({ name })),
    cols: prepared.reader ? prepared.columns().map((col) => ({ name: col.name, decltype: col.type })) : [],
    is_explain: /^\s*EXPLAIN\b/i.test(sql),
    is_readonly: prepared.readonly,
  }
}

/**
 * better-sqlite3 does not expose sqlite3_bind_parameter_name, so parameters are found by scanning
 * the SQL (skipping literals, quoted identifiers and comments) and numbered as SQLite does.
 */
function describeParams(sql: string): (string | null)[] {
  const names: (string | null)[] = []
  const parameter = /\?(\d*)|[:@$][\p{L}\p{N}_]+/uy
  let i = 0
  while (i < sql.length) {
    const c = sql[i]
    const pair = sql.slice(i, i + 2)
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      i = skipPast(sql, c === '[' ? ']' : c, i + 1)
    } else if (pair === '--') {
      i = skipPast(sql, '\n', i + 2)
    } else if (pair === '/*') {
      i = skipPast(sql, '*/', i + 2)
    } else if (
      (c === '?' || c === ':' || c === '@' || c === '$') &&
      !/[\p{L}\p{N}_$]/u.test(sql[i - 1] ?? '')
    ) {
      parameter.lastIndex = i
      const match = parameter.exec(sql)
      if (match === null) {
        i++
        continue
      }
      i += match[0].length
      if (match[1] === '') {
        names.push(null)
      } else if (match[1] !== undefined) {
        const index = Number(match[1])
        while (names.length < index) names.push(null)
        names[index - 1] = match[0]
      } else if (!names.includes(match[0])) {
        names.push(match[0])
      }
    } else {
      i++
    }
  }
  return names
}

function skipPast(sql: string, end: string, from: number): number {
  const at = sql.indexOf(end, from)
  return at < 0 ? sql.length : at + end.length
}

function isRetryableBusy(error: unknown): boolean {
  // BUSY_SNAPSHOT means this transaction's snapshot is stale; waiting cannot fix it
  return (
    error instanceof Database.SqliteError &&
    error.code.startsWith('SQLITE_BUSY') &&
    error.code !== 'SQLITE_BUSY_SNAPSHOT'
  )
}

function toProtoError(error: unknown): ProtoError {
  if (error instanceof RequestError) return { message: error.message, code: error.code }
  if (error instanceof Database.SqliteError) {
    // Hrana reports primary result codes (SQLITE_CONSTRAINT, not SQLITE_CONSTRAINT_UNIQUE), as sqld does
    return { message: `SQLite error: ${error.message}`, code: error.code.split('_', 2).join('_') }
  }
  const message = error instanceof Error ? error.message : String(error)
  if (error instanceof RangeError) {
    if (message.includes('more than one statement')) {
      return { message: 'SQL string contains more than one statement', code: 'SQL_MANY_STATEMENTS' }
    }
    if (message.includes('no statements')) {
      return { message: 'SQL string does not contain any statement', code: 'SQL_NO_STATEMENT' }
    }
    if (message.includes('parameter')) {
      return { message: `Arguments do not match SQL parameters: ${message}`, code: 'ARGS_INVALID' }
    }
  }
  return { message, code: 'INTERNAL_ERROR' }
}

function encodeValue(value: unknown): ProtoValue {
  if (value === null || value === undefined) return { type: 'null' }
  if (typeof value === 'bigint') return { type: 'integer', value: value.toString() }
  if (typeof value === 'number') return { type: 'float', value }
  if (typeof value === 'string') return { type: 'text', value }
  if (Buffer.isBuffer(value)) return { type: 'blob', base64: value.toString('base64') }
  throw new TypeError(`Unexpected SQLite value ${String(value)}`)
}

const MIN_INTEGER = -(2n ** 63n)
const MAX_INTEGER = 2n ** 63n - 1n

function decodeValue(value: unknown): SqlValue {
  const proto = obj(value, 'value')
  switch (proto.type) {
    case 'null':
      return null
    case 'integer': {
      const text = str(proto.value, 'integer value')
      const integer = /^-?\d+$/.test(text) ? BigInt(text) : undefined
      if (integer === undefined || integer < MIN_INTEGER || integer > MAX_INTEGER) {
        throw new ProtocolError(`Invalid 64-bit integer value ${JSON.stringify(text)}`)
      }
      return integer
    }
    case 'float':
      if (typeof proto.value !== 'number') throw new ProtocolError('A float value must be a JSON number')
      return proto.value
    case 'text':
      return str(proto.value, 'text value')
    case 'blob':
      return Buffer.from(str(proto.base64, 'blob base64'), 'base64')
    default:
      throw new ProtocolError(`Unknown value type ${JSON.stringify(proto.type)}`)
  }
}

function resolveSql(stream: Stream, holder: Record<string, unknown>): string {
  const sql = optStr(holder.sql, 'sql')
  const sqlId = holder.sql_id == null ? undefined : int(holder.sql_id, 'sql_id')
  if (sql !== undefined && sqlId !== undefined) throw new ProtocolError('Both sql and sql_id were given')
  if (sql !== undefined) return sql
  if (sqlId === undefined) throw new ProtocolError('Either sql or sql_id is required')
  const stored = stream.sqls.get(sqlId)
  if (stored === undefined) throw new ProtocolError(`SQL text ${sqlId} was not stored`, 'SQL_NOT_FOUND')
  return stored
}

function decodeStmt(stream: Stream, value: unknown): Stmt {
  const stmt = obj(value, 'stmt')
  const wantRows = stmt.want_rows ?? true
  if (typeof wantRows !== 'boolean') throw new ProtocolError('want_rows must be a boolean')
  return {
    sql: resolveSql(stream, stmt),
    args: optArr(stmt.args, 'args').map(decodeValue),
    namedArgs: optArr(stmt.named_args, 'named_args').map((arg) => {
      const named = obj(arg, 'named arg')
      return [str(named.name, 'named arg name'), decodeValue(named.value)]
    }),
    wantRows,
  }
}

function decodeBatch(stream: Stream, value: unknown): BatchStep[] {
  return arr(obj(value, 'batch').steps, 'steps').map((stepValue, index) => {
    const step = obj(stepValue, 'batch step')
    return {
      condition: step.condition == null ? undefined : decodeCond(step.condition, index),
      stmt: decodeStmt(stream, step.stmt),
    }
  })
}

function decodeCond(value: unknown, stepIndex: number): Cond {
  const cond = obj(value, 'condition')
  switch (cond.type) {
    case 'ok':
    case 'error': {
      const step = int(cond.step, 'condition step')
      if (step < 0 || step >= stepIndex) {
        throw new ProtocolError(
          `Condition of step ${stepIndex} refers to step ${step}, which does not precede it`,
        )
      }
      return { type: cond.type, step }
    }
    case 'not':
      return { type: 'not', cond: decodeCond(cond.cond, stepIndex) }
    case 'and':
    case 'or':
      return { type: cond.type, conds: arr(cond.conds, 'conds').map((c) => decodeCond(c, stepIndex)) }
    case 'is_autocommit':
      return { type: 'is_autocommit' }
    default:
      throw new ProtocolError(`Unknown condition type ${JSON.stringify(cond.type)}`)
  }
}

function obj(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError(`${what} must be an object`)
  }
  return value as Record<string, unknown>
}

function arr(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new ProtocolError(`${what} must be an array`)
  return value
}

function optArr(value: unknown, what: string): unknown[] {
  return value == null ? [] : arr(value, what)
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new ProtocolError(`${what} must be a string`)
  return value
}

function optStr(value: unknown, what: string): string | undefined {
  return value == null ? undefined : str(value, what)
}

function int(value: unknown, what: string): number {
  if (!Number.isInteger(value)) throw new ProtocolError(`${what} must be an integer`)
  return value as number
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}
