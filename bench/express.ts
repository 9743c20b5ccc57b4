/**
 * Express middleware throughput, as ratios to bare Express 5 measured in the same run:
 * @jwtis/express `requireAuth`, express-oauth2-jwt-bearer, and express-jwt with jwks-rsa,
 * each verifying ES256 tokens whose keys come from a JWKS URL. The app runs in a child
 * process; autocannon (10 connections) loads it from this one, in interleaved rounds of
 * which each row keeps its best. Each middleware sees one
 * repeated token, then a pool of 1000 distinct tokens (one user each), sent in turn.
 * `requireAuth` built from options remembers verified tokens until they expire (its
 * default), so the pool, which fits that cache, is verified once and then served from it;
 * the `tokenCache: false` row shows what each signature check costs without it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import { processCpuMs, watchOtherProcesses } from './lib/contention.js'
import { startJwksServer } from './lib/jwks-server.js'
import { type Case, printCase, printTargets, type Row } from './lib/report.js'
import { AUDIENCE, generateBenchKey, ISSUER, mintPool } from './lib/tokens.js'

const SECONDS = Number(process.env.BENCH_EXPRESS_SECONDS ?? 1)
const WARMUP_SECONDS = 1
/** Rounds over all rows of a case; each row keeps its best round (neighbours only ever slow a round down). */
const ROUNDS = 5
const CONNECTIONS = 10
const POOL = 1000

const ROUTES = [
  { path: '/jwtis', name: 'Express 5 + requireAuth', targets: { repeated: 0.9, distinct: 0.7 } },
  { path: '/jwtis-uncached', name: '  (requireAuth, tokenCache: false)' },
  { path: '/oauth2-jwt-bearer', name: '+ express-oauth2-jwt-bearer' },
  { path: '/express-jwt', name: 'express-jwt + jwks-rsa' },
] as const

function startApp(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./express/server.ts', import.meta.url).pathname], {
    cwd: new URL('.', import.meta.url), // where tsx resolves
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let text = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk
      const match = /listening on (\S+)/.exec(text)
      if (match !== null) resolve({ url: match[1]!, child })
    })
    child.once('exit', (code) => reject(new Error(`the bench app exited (${code}): ${text}`)))
  })
}

/** Requests per second through `path` with the tokens in turn; every answer must be a 200. */
async function load(url: string, tokens: readonly string[], seconds: number): Promise<number> {
  let next = 0
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => {
          request.headers = { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` }
          return request
        },
      },
    ],
  })
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`benchmark sanity check failed: ${url} answered ${result.non2xx} non-2xx, ${result.errors} errors`)
  }
  return result.requests.total / seconds
}

/** CPU time a process has used, in milliseconds (Linux /proc; 0 elsewhere). */
async function measureRound(url: string, tokens: readonly string[], name: string, app: ChildProcess): Promise<Row> {
  const othersBusy = watchOtherProcesses()
  const appCpuBefore = processCpuMs(app.pid)
  const started = performance.now()
  const opsPerSec = await load(url, tokens, SECONDS)
  // The app under test is one of the "other processes": only what the rest took is reported.
  const appCores = (processCpuMs(app.pid) - appCpuBefore) / (performance.now() - started)
  const others = othersBusy()
  return { name, opsPerSec, othersBusy: others === undefined ? undefined : Math.max(0, others - appCores) }
}

export async function run(): Promise<void> {
  console.log(
    `\n== Express middleware (autocannon, ${CONNECTIONS} connections, best of ${ROUNDS} interleaved ${SECONDS} s rounds per row, ES256 via JWKS)`,
  )
  const key = generateBenchKey('ES256')
  const jwks = await startJwksServer([key.jwk])
  const pool = mintPool(key, POOL)
  const app = await startApp({ BENCH_JWKS_URI: jwks.url, BENCH_ISSUER: ISSUER, BENCH_AUDIENCE: AUDIENCE })
  const cases: Case[] = []
  try {
    for (const [label, tokens] of [
      ['repeated', pool.slice(0, 1)],
      ['distinct', pool],
    ] as const) {
      const routes = [{ path: '/bare', name: 'bare Express 5' }, ...ROUTES]
      for (const route of routes) await load(`${app.url}${route.path}`, tokens, WARMUP_SECONDS)
      // Rounds interleave the rows, so a busy spell of the machine hits all of them alike.
      const best = new Map<string, Row>()
      for (let round = 0; round < ROUNDS; round++) {
        for (const route of routes) {
          const row = await measureRound(`${app.url}${route.path}`, tokens, route.name, app.child)
          if (row.opsPerSec > (best.get(route.path)?.opsPerSec ?? 0)) best.set(route.path, row)
        }
      }
      const rows: Row[] = routes.map((route) => {
        const row: Row = { ...best.get(route.path)!, baseline: route.path === '/bare' }
        if ('targets' in route) row.target = { ratio: route.targets[label], label: `${label} token${label === 'distinct' ? 's' : ''}` }
        return row
      })
      const title = `ES256, ${label === 'repeated' ? 'one repeated token' : `${POOL} distinct tokens`}`
      const entry: Case = { title, rows, ratioLabel: 'x bare' }
      printCase(entry)
      cases.push(entry)
    }
  } finally {
    app.child.kill('SIGTERM')
    await jwks.close()
  }
  printTargets(cases, 'bare Express 5')
}
