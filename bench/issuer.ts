/**
 * Issuer throughput, as ratios to raw node:crypto making the same token pairs on one thread
 * in the same run (the limit):
 * - token pairs (ES256 access JWS + ES256-then-ECDH-ES+A256KW/A256GCM refresh JWE) minted
 *   through the core, `issuer.issue()`, on a SQLite store in memory-backed storage so that
 *   minting, not the disk, is measured: with the crypto on the main thread only
 *   (`tokenWorkers: 0`) and with the default worker threads ("workers");
 * - `POST /issue_token` and `POST /renew_token` over HTTP against the `jwtis` CLI in a child
 *   process on a durable SQLite file (every 200 is on disk), many requests in flight over
 *   keep-alive connections, with latency percentiles. The load comes from this process,
 *   which shares the machine's cores with the server: its client is kept light on purpose;
 * - the same two routes on PostgreSQL with one and with two `jwtis` processes, as ratios to
 *   one process on SQLite (see `issuer/instances.ts`).
 */
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createIssuer, createSqliteStore } from '@jwtis/issuer'
import { compactDecrypt, compactVerify, createLocalJWKSet, jwtVerify } from 'jose'
import { startCliServer } from './issuer/cli-server.js'
import { type IssueRenewResult, loadIssueRenew, measureInstances } from './issuer/instances.js'
import { createRawPairMinter, type RawPair } from './issuer/raw-pair.js'
import { measure } from './lib/measure.js'
import { type Case, printCase, printTargets } from './lib/report.js'

const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 2000)
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 500)
const HTTP_BUDGET_MS = 2 * BUDGET_MS
const MINT_IN_FLIGHT = [1, 32] as const
const HTTP_CONNECTIONS = 64
const PASSWORD = 'bench-password-not-a-secret'
const ADMIN_TOKEN = 'bench-admin-token-not-a-secret'
const ISSUER = 'JWTIS'
const KID = 'bench'
const HTTP_LOAD = {
  connections: HTTP_CONNECTIONS,
  budgetMs: HTTP_BUDGET_MS,
  warmupMs: WARMUP_MS,
  password: PASSWORD,
  adminToken: ADMIN_TOKEN,
  kid: KID,
}

const TARGETS = {
  mint: { ratio: 1.0, label: 'pairs through the core' },
  issue: { ratio: 0.8, label: 'POST /issue_token' },
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`benchmark sanity check failed: ${what}`)
}

/** Raw node:crypto pairs: the baseline, checked to be real pairs with jose first. */
async function measureRaw(): Promise<number> {
  const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const encryption = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const mint = createRawPairMinter({
    signingKey: signing.privateKey,
    signingKid: 'sig-1',
    encryptionKey: encryption.publicKey,
    encryptionKid: 'enc-1',
    issuer: ISSUER,
    clientKid: KID,
  })
  const pair: RawPair = mint('check')
  const access = await jwtVerify(pair.accessToken, signing.publicKey, { issuer: ISSUER, audience: KID })
  check(access.payload.sub === 'check', 'raw access token verifies')
  const { plaintext, protectedHeader } = await compactDecrypt(pair.refreshToken, encryption.privateKey)
  check(protectedHeader.alg === 'ECDH-ES+A256KW' && protectedHeader.enc === 'A256GCM', 'raw refresh JWE header')
  const inner = await compactVerify(new TextDecoder().decode(plaintext), signing.publicKey)
  check(inner.protectedHeader.typ === 'rt+jwt', 'raw refresh token inner JWS verifies')

  const { opsPerSec } = await measure((i) => mint(`user-${i}`), {
    budgetMs: BUDGET_MS,
    warmupMs: WARMUP_MS,
    concurrency: 1,
  })
  return opsPerSec
}

/** Pairs through `issuer.issue()` with `tokenWorkers` (undefined: the default), one at a time and many in flight. */
async function measureIssuer(folder: string, tokenWorkers: number | undefined): Promise<Case['rows']> {
  const store = createSqliteStore({ path: join(folder, `mint-${tokenWorkers ?? 'default'}.db`) })
  const issuer = await createIssuer({
    store,
    password: PASSWORD,
    adminToken: ADMIN_TOKEN,
    maintenanceInterval: 0,
    ...(tokenWorkers === undefined ? {} : { tokenWorkers }),
  })
  try {
    await issuer.registerClient(KID)
    const pair = await issuer.issue(KID, { claims: { sub: 'check' } })
    const jwks = createLocalJWKSet(await issuer.jwks(KID))
    const { payload } = await jwtVerify(pair.accessToken, jwks, { issuer: ISSUER, audience: KID })
    check(payload.sub === 'check', 'core access token verifies against the JWKS')
    check((await issuer.renew(KID, pair.refreshToken)).id === pair.id, 'core refresh token renews')

    const threads = tokenWorkers === undefined ? 'workers' : tokenWorkers === 0 ? 'main thread' : `${tokenWorkers} workers`
    const rows: Case['rows'] = []
    for (const inFlight of MINT_IN_FLIGHT) {
      const { opsPerSec } = await measure((i) => issuer.issue(KID, { claims: { sub: `user-${i}` } }), {
        budgetMs: BUDGET_MS,
        warmupMs: WARMUP_MS,
        concurrency: inFlight,
      })
      const best = tokenWorkers === undefined && inFlight === MINT_IN_FLIGHT[MINT_IN_FLIGHT.length - 1]
      rows.push({
        name: `issue(), ${threads}, ${inFlight} in flight`,
        opsPerSec,
        ...(best ? { target: TARGETS.mint } : {}),
      })
    }
    return rows
  } finally {
    await issuer.close()
  }
}

/** Pairs through the core: the crypto on the main thread only, then on the default workers. */
async function measureCore(folder: string, rawOpsPerSec: number): Promise<Case> {
  const rows: Case['rows'] = [{ name: 'raw node:crypto, 1 thread', opsPerSec: rawOpsPerSec, baseline: true }]
  rows.push(...(await measureIssuer(folder, 0)), ...(await measureIssuer(folder, undefined)))
  return { title: 'token pairs minted (ES256 + ECDH-ES+A256KW/A256GCM)', rows }
}

/** Issue and renew over HTTP against the CLI on a durable SQLite file. */
async function measureHttp(
  folder: string,
  rawOpsPerSec: number,
): Promise<{ entry: Case; notes: string[]; rates: IssueRenewResult }> {
  const server = await startCliServer({ dbPath: join(folder, 'http.db'), password: PASSWORD, adminToken: ADMIN_TOKEN })
  try {
    const { issue, renew } = await loadIssueRenew([server.url], HTTP_LOAD)
    const latency = (what: string, r: { p50Ms: number; p99Ms: number }): string =>
      `  ${what.padEnd(20)} p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms`
    return {
      entry: {
        title: `HTTP, durable SQLite, ${HTTP_CONNECTIONS} in flight (keep-alive)`,
        rows: [
          { name: 'raw node:crypto, 1 thread', opsPerSec: rawOpsPerSec, baseline: true },
          { name: 'POST /issue_token', opsPerSec: issue.opsPerSec, target: TARGETS.issue },
          { name: 'POST /renew_token', opsPerSec: renew.opsPerSec },
        ],
      },
      notes: ['  latency:', latency('POST /issue_token', issue), latency('POST /renew_token', renew)],
      rates: { issue, renew },
    }
  } finally {
    await server.stop()
  }
}

/**
 * Runs the issuer benchmarks and prints their tables and targets.
 *
 * @example
 * ```ts
 * await run()
 * ```
 */
export async function run(): Promise<void> {
  console.log('\n@jwtis/issuer: token pairs per second, ratio to raw node:crypto on one thread')
  console.log(`  ${availableParallelism()} CPU cores; the HTTP server runs in a child process beside the load`)
  const durable = mkdtempSync(join(tmpdir(), 'jwtis-bench-'))
  // Minting is measured off the disk: on tmpfs when there is one.
  const memory = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/jwtis-bench-') : durable
  try {
    const raw = await measureRaw()
    const mint = await measureCore(memory, raw)
    printCase(mint)
    const http = await measureHttp(durable, raw)
    printCase(http.entry)
    for (const line of http.notes) console.log(line)
    const instances = await measureInstances(http.rates, { ...HTTP_LOAD, budgetMs: BUDGET_MS })
    for (const entry of instances) printCase(entry)
    printTargets([mint, http.entry])
  } finally {
    rmSync(durable, { recursive: true, force: true })
    rmSync(memory, { recursive: true, force: true })
  }
}
