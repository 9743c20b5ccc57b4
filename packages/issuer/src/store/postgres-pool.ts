/**
 * The PostgreSQL store's connections: a bounded pool whose every wait has a deadline (to
 * connect, to get a free connection, for a statement to finish), so a database that is down,
 * restarting or cutting connections makes calls fail within seconds instead of hanging, and
 * a later call simply opens a fresh connection. Failures of that kind become
 * `StoreError('unavailable')`, which the HTTP layer answers with 503 and `Retry-After`.
 */
import pg from 'pg'
import { StoreError } from './errors.js'
import { quoteIdentifier, SCHEMA_NAME } from './postgres-schema.js'

/** Connection settings of the PostgreSQL store; every duration in milliseconds. */
export interface PostgresConnectionOptions {
  /**
   * `postgres://user[:password]@host[:port]/database`. A `schema` query parameter picks the
   * schema that holds the tables (default `public`); other parameters go to the driver.
   */
  url: string
  /** The schema holding the tables; overrides the URL's `schema` parameter. Default `public`. */
  schema?: string | undefined
  /** Most connections this instance opens. Default `10`. */
  maxConnections?: number | undefined
  /** How long to wait for a connection (new, or free in the pool) before failing. Default `3000`. */
  connectTimeout?: number | undefined
  /** How long one statement may run before the server cancels it. Default `3000`. */
  statementTimeout?: number | undefined
}

/** A checked pool and how to name it in messages. */
export interface StorePool {
  pool: pg.Pool
  /** One connection for readiness probes. */
  probe: pg.Pool
  schema: string
  /** `postgres host:port/database`, and the schema unless `public`: never a user name or password. */
  label: string
}

const INT8_OID = 20
// Times are BIGINT milliseconds, well inside the doubles' safe integers.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${name} must be a positive whole number`)
  return value
}

/** Splits the URL into what the driver takes and the schema; throws TypeError when it is not a postgres URL. */
function parseUrl(url: string): { connectionString: string; schema: string | undefined; label: string } {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TypeError('the PostgreSQL store needs a postgres:// URL')
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new TypeError('the PostgreSQL store needs a postgres:// URL')
  }
  const schema = parsed.searchParams.get('schema') ?? undefined
  parsed.searchParams.delete('schema')
  const database = decodeURIComponent(parsed.pathname.slice(1)) || '(default database)'
  const label = `postgres ${parsed.hostname || 'localhost'}:${parsed.port || '5432'}/${database}`
  return { connectionString: parsed.href, schema, label }
}

/**
 * Makes the pool. Nothing connects until the first call.
 *
 * @throws TypeError for a URL that is not postgres://, a bad schema name or bad numbers.
 */
export function createStorePool(options: PostgresConnectionOptions): StorePool {
  if (typeof options?.url !== 'string') throw new TypeError('the PostgreSQL store needs a postgres:// URL')
  const { connectionString, schema: urlSchema, label: where } = parseUrl(options.url)
  const schema = options.schema ?? urlSchema ?? 'public'
  if (!SCHEMA_NAME.test(schema)) {
    throw new TypeError('the schema must be a lower-case SQL name: letters, digits and _, not starting with a digit')
  }
  const label = schema === 'public' ? where : `${where} (schema ${schema})`
  const connectTimeout = positive('connectTimeout', options.connectTimeout, 3000)
  const statementTimeout = positive('statementTimeout', options.statementTimeout, 3000)
  const config: pg.PoolConfig = {
    connectionString,
    // Also bounds the wait for a free connection when all are busy.
    connectionTimeoutMillis: connectTimeout,
    idleTimeoutMillis: 30_000,
    // The server cancels a slow statement; the client gives up a little later in case the
    // server (or the network) no longer answers at all.
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 1000,
    // A transaction left open by a vanished instance must not hold its row locks for long.
    idle_in_transaction_session_timeout: 10_000,
    keepAlive: true,
    application_name: 'jwtis',
    options: `-c search_path=${quoteIdentifier(schema)}`,
    types,
  }
  const pool = new pg.Pool({ ...config, max: positive('maxConnections', options.maxConnections, 10) })
  // Readiness asks whether the database answers, not whether a busy pool has a free
  // connection: its probe has a connection of its own.
  const probe = new pg.Pool({ ...config, max: 1 })
  // A pooled connection that the server drops while idle reports here; the pool discards it
  // and the next call connects anew. Without a listener the process would crash.
  for (const each of [pool, probe]) each.on('error', () => undefined)
  return { pool, probe, schema, label }
}

/** SQLSTATE classes and codes that mean "the database is away or overloaded: retry". */
const RETRYABLE_STATES = new Set(['57P01', '57P02', '57P03', '57014', '53300', '40001', '40P01', '55P03', '25P03'])
const RETRYABLE_CLASSES = new Set(['08', '53'])
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])
const DRIVER_MESSAGES = /connection terminated|timeout exceeded|query read timeout|not queryable|connection error/i

/** Whether a driver error means the database could not be reached or did not answer in time. */
export function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string') {
    if (RETRYABLE_STATES.has(code) || RETRYABLE_CLASSES.has(code.slice(0, 2))) return true
    if (NETWORK_CODES.has(code)) return true
  }
  return err instanceof Error && DRIVER_MESSAGES.test(err.message)
}

/** Any failure as a StoreError naming the store (never a credential, never a stored value). */
export function storeFailure(label: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err
  const reason = err instanceof Error ? err.message : String(err)
  if (isUnavailable(err)) {
    return new StoreError('unavailable', `the store ${label} is unavailable: ${reason}`, { cause: err })
  }
  return new StoreError('failed', `the store ${label} failed: ${reason}`, { cause: err })
}
