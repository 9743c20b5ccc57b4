/**
 * Several `jwtis` processes on one PostgreSQL schema, and the calls the multi-instance tests
 * make to them. Each test file's schema carries an `application_name` of its own, so a test
 * can cut exactly its own instances' connections.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { adminQuery, dropSchema, testSchemaName, urlWithSchema } from '../store/postgres-schemas.js'
import { type ServerProcess, startServer } from './helpers.js'

export const PASSWORD = 'instances-test-password-0001'
export const ADMIN = 'instances-test-admin-token-000000000000001'

/** A schema of the test database for one test file, and the URL instances use for it. */
export interface SharedSchema {
  schema: string
  /** The store URL: the schema, and an `application_name` equal to it. */
  url: string
  /** Stops every instance started on it, then drops it. */
  dispose(): Promise<void>
  /** Starts one instance on it (more may start at once). */
  start(extra?: readonly string[], url?: string): Promise<ServerProcess>
}

/** A fresh schema on the database at `base`; nothing is created until an instance starts. */
export function sharedSchema(base: string): SharedSchema {
  const schema = testSchemaName()
  const url = new URL(urlWithSchema(base, schema))
  url.searchParams.set('application_name', schema)
  const servers: ServerProcess[] = []
  return {
    schema,
    url: url.href,
    async start(extra = [], storeUrl = url.href) {
      const server = await startServer([
        '-l',
        '127.0.0.1:0',
        '--store',
        storeUrl,
        '-p',
        PASSWORD,
        '--adminToken',
        ADMIN,
        ...extra,
      ])
      servers.push(server)
      return server
    },
    async dispose() {
      await Promise.all(servers.splice(0).map((server) => server.stop()))
      await dropSchema(base, schema)
    },
  }
}

/** Terminates every database connection of the instances on `schema`; resolves how many. */
export async function cutConnections(base: string, schema: string): Promise<number> {
  const result = await adminQuery(
    base,
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
    [schema],
  )
  return result.rowCount ?? 0
}

/** What one call answered, and how long it took. */
export interface Answer {
  status: number
  body: Record<string, unknown>
  headers: Headers
  /** Milliseconds from the call to the whole answer. */
  took: number
}

/** Calls the API with JSON; a call that gets no answer within 20 s rejects. */
export async function call(base: string, method: string, path: string, bearer?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const started = performance.now()
  const response = await fetch(base + path, {
    method,
    headers,
    signal: AbortSignal.timeout(20_000),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: response.headers,
    took: performance.now() - started,
  }
}

/** Registers a client through `server` and resolves its client token. */
export async function register(server: ServerProcess, kid: string): Promise<string> {
  const answer = await call(server.url, 'POST', `/register/${kid}`, ADMIN, {})
  if (answer.status !== 201) throw new Error(`register ${kid}: ${answer.status} ${JSON.stringify(answer.body)}`)
  return answer.body['client_token'] as string
}

/** Polls `check` every 100 ms until it holds; rejects after `limit` milliseconds. */
export async function eventually(what: string, check: () => Promise<boolean>, limit = 20_000): Promise<void> {
  const deadline = Date.now() + limit
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limit} ms`)
    await sleep(100)
  }
}

/** The family row as the database holds it. */
export async function familyRow(
  base: string,
  schema: string,
  id: string,
): Promise<{ generation: number; revoked: boolean } | undefined> {
  const result = await adminQuery(
    base,
    `SELECT generation, revoked_at IS NOT NULL AS revoked FROM "${schema}".families WHERE id = $1`,
    [id],
  )
  return result.rows[0] as { generation: number; revoked: boolean } | undefined
}
