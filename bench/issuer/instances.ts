/**
 * `POST /issue_token` and `POST /renew_token` on PostgreSQL, one `jwtis` process and two
 * sharing the database (the load spread round-robin, as a balancer would), each as a ratio
 * to one process on SQLite measured in the same run. Every process and the load share the
 * machine's cores, so two instances show what the database costs, not more cores.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Case } from '../lib/report.js'
import { startCliServer } from './cli-server.js'
import { createJsonPoster, type LoadResult, runLoad } from './http-load.js'

/** Issue and renew results of one configuration. */
export interface IssueRenewResult {
  issue: LoadResult
  renew: LoadResult
}

/** Options of {@link loadIssueRenew} and {@link measureInstances}. */
export interface InstanceLoadOptions {
  connections: number
  budgetMs: number
  warmupMs: number
  password: string
  adminToken: string
  kid: string
}

/** A registered client loading issue and renew over HTTP, round after round. */
export interface IssueRenewLoad {
  /** One round of `POST /issue_token`; its refresh tokens feed later renew rounds. */
  issue(budgetMs: number): Promise<LoadResult>
  /** One round of `POST /renew_token`. */
  renew(budgetMs: number): Promise<LoadResult>
  close(): void
}

/**
 * Registers a client through the first URL, then issues and renews with `connections`
 * requests in flight spread round-robin over `urls`. Each renew takes a current refresh
 * token from the pool and puts its successor back, so no two requests in flight present
 * the same family.
 */
export async function openIssueRenewLoad(urls: readonly string[], options: InstanceLoadOptions): Promise<IssueRenewLoad> {
  const posters = urls.map((url) => createJsonPoster(url, Math.ceil(options.connections / urls.length)))
  let turn = 0
  const post = (path: string, bearer: string, body: unknown) => posters[turn++ % posters.length]!.post(path, bearer, body)
  const close = (): void => {
    for (const poster of posters) poster.close()
  }
  let clientToken: string
  try {
    const registered = await posters[0]!.post(`/register/${options.kid}`, options.adminToken, {})
    clientToken = registered.client_token as string
  } catch (err) {
    close()
    throw err
  }
  const refreshTokens: string[] = []
  let next = 0
  const load = (budgetMs: number) => ({ budgetMs, warmupMs: options.warmupMs, concurrency: options.connections })
  return {
    issue: (budgetMs) =>
      runLoad(async () => {
        const pair = await post('/issue_token', clientToken, { kid: options.kid, claims: { sub: `user-${next++}` } })
        refreshTokens.push(pair.refresh_token as string)
      }, load(budgetMs)),
    renew(budgetMs) {
      if (refreshTokens.length <= options.connections) throw new Error('benchmark sanity check failed: too few refresh tokens')
      return runLoad(async () => {
        const token = refreshTokens.shift()!
        const pair = await post('/renew_token', clientToken, { kid: options.kid, refresh_token: token })
        refreshTokens.push(pair.refresh_token as string)
      }, load(budgetMs))
    },
    close,
  }
}

/** One round of issue, then one of renew, on a fresh client (see {@link openIssueRenewLoad}). */
export async function loadIssueRenew(urls: readonly string[], options: InstanceLoadOptions): Promise<IssueRenewResult> {
  const load = await openIssueRenewLoad(urls, options)
  try {
    const issue = await load.issue(options.budgetMs)
    const renew = await load.renew(options.budgetMs)
    return { issue, renew }
  } finally {
    load.close()
  }
}

/** `count` processes on a fresh schema of `url`, loaded together; the schema is dropped afterwards. */
async function onPostgres(url: string, count: number, options: InstanceLoadOptions): Promise<IssueRenewResult> {
  const schema = `jwtis_bench_${randomBytes(6).toString('hex')}`
  const storeUrl = new URL(url)
  storeUrl.searchParams.set('schema', schema)
  const started = await Promise.allSettled(
    Array.from({ length: count }, () =>
      startCliServer({ storeUrl: storeUrl.href, password: options.password, adminToken: options.adminToken }),
    ),
  )
  try {
    const servers = started.map((result) => {
      if (result.status === 'rejected') throw result.reason
      return result.value
    })
    return await loadIssueRenew(
      servers.map((server) => server.url),
      options,
    )
  } finally {
    await Promise.all(started.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)))
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
    await client.connect()
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    } finally {
      await client.end()
    }
  }
}

/**
 * Measures one and two instances on PostgreSQL against `sqlite` (one instance, same run).
 * Resolves no cases, after saying why, when no database is configured
 * (`JWTIS_BENCH_PG_URL`, else `JWTIS_TEST_PG_URL`).
 */
export async function measureInstances(sqlite: IssueRenewResult, options: InstanceLoadOptions): Promise<Case[]> {
  const url = process.env.JWTIS_BENCH_PG_URL || process.env.JWTIS_TEST_PG_URL
  if (!url) {
    console.log('\n(PostgreSQL rows skipped: set JWTIS_BENCH_PG_URL or JWTIS_TEST_PG_URL)')
    return []
  }
  const one = await onPostgres(url, 1, options)
  const two = await onPostgres(url, 2, options)
  const rows = (op: keyof IssueRenewResult): Case['rows'] => [
    { name: 'SQLite, 1 instance', opsPerSec: sqlite[op].opsPerSec, baseline: true },
    { name: 'PostgreSQL, 1 instance', opsPerSec: one[op].opsPerSec },
    { name: 'PostgreSQL, 2 instances', opsPerSec: two[op].opsPerSec },
  ]
  const title = (path: string) => `${path} over HTTP, ${options.connections} in flight: instances and stores`
  return [
    { title: title('POST /issue_token'), rows: rows('issue'), ratioLabel: 'x SQLite' },
    { title: title('POST /renew_token'), rows: rows('renew'), ratioLabel: 'x SQLite' },
  ]
}
