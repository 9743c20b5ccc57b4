/**
 * Issuer throughput, as ratios to raw node:crypto making the same token pairs on one thread
 * in the same run (the limit):
 * - token pairs (ES256 access JWS + ES256-then-ECDH-ES+A256KW/A256GCM refresh JWE) minted
 *   through the core, `issuer.issue()`, on a SQLite store in memory-backed storage so that
 *   minting, not the disk, is measured: with the crypto on the main thread only
 *   (`tokenWorkers: 0`) and with the default worker threads ("workers");
 * - `POST /issue_token` and `POST /renew_token` over HTTP against the `jwtis` CLI in a child
 *   process on a durable SQLite file (every 200 is on disk), 10 requests in flight over
 *   keep-alive connections, with latency percentiles. The load comes from this process,
 *   which shares the machine's cores with the server: its client is kept light on purpose.
 *   Issue is a ratio to the raw pair limit, renew to its own (open a refresh token, verify
 *   its inner JWS, make the next pair), with jose doing the same in-process beside them.
 *   Limits, jose and the routes are measured in interleaved rounds, each row keeping its
 *   best (a busy neighbour only ever slows a round down);
 * - the same two routes on PostgreSQL with one and with two `jwtis` processes, as ratios to
 *   one process on SQLite (see `issuer/instances.ts`).
 */
import { createECDH, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createIssuer, createSqliteStore } from '@jwtis/issuer'
import { compactDecrypt, compactVerify, createLocalJWKSet, jwtVerify } from 'jose'
import { startCliServer } from './issuer/cli-server.js'
import type { LoadResult } from './issuer/http-load.js'
import { type IssueRenewResult, measureInstances, openIssueRenewLoad } from './issuer/instances.js'
import { createJosePairs } from './issuer/jose-pair.js'
import { createRawPairMinter, type RawPair } from './issuer/raw-pair.js'
import { createRawRenewer } from './issuer/raw-renew.js'
import { processCpuMs, watchOtherProcesses } from './lib/contention.js'
import { measure } from './lib/measure.js'
import { type Case, printCase, printTargets, type Row } from './lib/report.js'

const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 2000)
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 500)
const HTTP_BUDGET_MS = BUDGET_MS
/**
 * Interleaved rounds of the HTTP case; each row keeps its best. Five, not three: on a
 * shared host the same work takes up to a third longer from one stretch of seconds to the
 * next, and with more rounds each row's best comes from a quiet stretch more surely.
 */
const HTTP_ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 5)
/** Budget of each limit and jose row within a round. */
const LIMIT_BUDGET_MS = BUDGET_MS / 2
const MINT_IN_FLIGHT = [1, 32] as const
const HTTP_CONNECTIONS = 10
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
  renew: { ratio: 0.6, label: 'POST /renew_token' },
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`benchmark sanity check failed: ${what}`)
}

/** The keys of the limit and jose rows: a P-256 signing pair and a P-256 encryption pair. */
interface BenchKeys {
  signing: { privateKey: KeyObject; publicKey: KeyObject }
  encryption: { privateKey: KeyObject; publicKey: KeyObject }
  /** The encryption key's private scalar, raw. */
  encryptionSecret: Buffer
}

/** A P-256 pair generated as DER and imported: no KeyObject fresh from the generation job is ever exported. */
function signingPairViaDer(): { privateKey: KeyObject; publicKey: KeyObject } {
  const der = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  })
  return {
    privateKey: createPrivateKey({ key: der.privateKey, format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey({ key: der.publicKey, format: 'der', type: 'spki' }),
  }
}

/** Keys made as raw points and imported, so that no freshly generated KeyObject is exported (see raw-pair.ts). */
function makeBenchKeys(): BenchKeys {
  const ecdh = createECDH('prime256v1')
  const point = ecdh.generateKeys()
  const jwk = { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }
  const encryptionSecret = ecdh.getPrivateKey()
  return {
    signing: signingPairViaDer(),
    encryption: {
      privateKey: createPrivateKey({ key: { ...jwk, d: encryptionSecret.toString('base64url') }, format: 'jwk' }),
      publicKey: createPublicKey({ key: jwk, format: 'jwk' }),
    },
    encryptionSecret,
  }
}

/** The limit and jose tasks, each checked to make real pairs first. */
interface InProcess {
  rawMint: () => RawPair
  rawRenew: (refreshToken: string) => RawPair
  joseMint: (i: number) => Promise<unknown>
  joseRenew: (refreshToken: string) => Promise<{ refreshToken: string }>
  refreshToken: string
}

async function prepareInProcess(keys: BenchKeys): Promise<InProcess> {
  const names = { issuer: ISSUER, clientKid: KID }
  const rawKeys = { signingKey: keys.signing.privateKey, signingKid: 'sig-1', encryptionKey: keys.encryption.publicKey, encryptionKid: 'enc-1', ...names }
  const mint = createRawPairMinter(rawKeys)
  const rawRenew = createRawRenewer({ ...rawKeys, verifyingKey: keys.signing.publicKey, encryptionSecret: keys.encryptionSecret })
  const pair: RawPair = mint('check')
  const access = await jwtVerify(pair.accessToken, keys.signing.publicKey, { issuer: ISSUER, audience: KID })
  check(access.payload.sub === 'check', 'raw access token verifies')
  const { plaintext, protectedHeader } = await compactDecrypt(pair.refreshToken, keys.encryption.privateKey)
  check(protectedHeader.alg === 'ECDH-ES+A256KW' && protectedHeader.enc === 'A256GCM', 'raw refresh JWE header')
  const inner = await compactVerify(new TextDecoder().decode(plaintext), keys.signing.publicKey)
  check(inner.protectedHeader.typ === 'rt+jwt', 'raw refresh token inner JWS verifies')
  const renewed = rawRenew(pair.refreshToken)
  check((await jwtVerify(renewed.accessToken, keys.signing.publicKey, { audience: KID })).payload.sub === 'check', 'raw renew')
  let refused = false
  try {
    rawRenew(`${pair.refreshToken.slice(0, -2)}AA`)
  } catch {
    refused = true
  }
  check(refused, 'raw renew refuses a forged refresh token')

  const jose = createJosePairs({
    signingKey: keys.signing.privateKey,
    verifyingKey: keys.signing.publicKey,
    encryptionKey: keys.encryption.publicKey,
    decryptionKey: keys.encryption.privateKey,
    ...names,
  })
  const josePair = await jose.renew(pair.refreshToken)
  check((await jwtVerify(josePair.accessToken, keys.signing.publicKey, { audience: KID })).payload.sub === 'check', 'jose renew')
  check(rawRenew(josePair.refreshToken).refreshToken !== '', 'jose refresh token renews raw')
  return {
    rawMint: () => mint('user'),
    rawRenew,
    joseMint: (i) => jose.mint(`user-${i}`),
    joseRenew: jose.renew,
    refreshToken: pair.refreshToken,
  }
}

/** The raw pair limit, on its own: the baseline of the core minting case. */
async function measureRaw(inProcess: InProcess): Promise<number> {
  const { opsPerSec } = await measure(inProcess.rawMint, { budgetMs: BUDGET_MS, warmupMs: WARMUP_MS, concurrency: 1 })
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

/** One in-process row of a round: the task on this thread, one at a time. */
async function inProcessRow(name: string, task: (i: number) => unknown): Promise<Row> {
  const othersBusy = watchOtherProcesses()
  const { opsPerSec } = await measure(task, { budgetMs: LIMIT_BUDGET_MS, warmupMs: WARMUP_MS / 2, concurrency: 1 })
  return { name, opsPerSec, othersBusy: othersBusy() }
}

/** One HTTP row of a round; the server's own CPU is not counted as a neighbour's. */
async function httpRow(name: string, serverPid: number | undefined, load: () => Promise<LoadResult>): Promise<{ row: Row; result: LoadResult }> {
  const othersBusy = watchOtherProcesses()
  const serverBefore = processCpuMs(serverPid)
  const started = performance.now()
  const result = await load()
  const serverCores = (processCpuMs(serverPid) - serverBefore) / (performance.now() - started)
  const others = othersBusy()
  return { row: { name, opsPerSec: result.opsPerSec, othersBusy: others === undefined ? undefined : Math.max(0, others - serverCores) }, result }
}

/**
 * Issue and renew over HTTP against the CLI on a durable SQLite file, each beside its raw
 * limit and jose, in interleaved rounds of which every row keeps its best.
 */
async function measureHttp(folder: string, inProcess: InProcess): Promise<{ cases: Case[]; notes: string[]; rates: IssueRenewResult }> {
  const server = await startCliServer({ dbPath: join(folder, 'http.db'), password: PASSWORD, adminToken: ADMIN_TOKEN })
  const load = await openIssueRenewLoad([server.url], HTTP_LOAD)
  const best = new Map<string, Row>()
  const bestLoad = new Map<string, LoadResult>()
  const keep = (row: Row, result?: LoadResult): void => {
    if (row.opsPerSec <= (best.get(row.name)?.opsPerSec ?? 0)) return
    best.set(row.name, row)
    if (result !== undefined) bestLoad.set(row.name, result)
  }
  const names = {
    mintLimit: 'raw node:crypto pair',
    joseMint: 'jose pair, in-process',
    issue: 'POST /issue_token',
    renewLimit: 'raw node:crypto renew',
    joseRenew: 'jose renew, in-process',
    renew: 'POST /renew_token',
  }
  let rawToken = inProcess.refreshToken
  let joseToken = inProcess.refreshToken
  try {
    for (let round = 0; round < HTTP_ROUNDS; round++) {
      keep(await inProcessRow(names.mintLimit, inProcess.rawMint))
      keep(await inProcessRow(names.joseMint, inProcess.joseMint))
      const issued = await httpRow(names.issue, server.pid, () => load.issue(HTTP_BUDGET_MS))
      keep(issued.row, issued.result)
      keep(
        await inProcessRow(names.renewLimit, () => {
          rawToken = inProcess.rawRenew(rawToken).refreshToken
        }),
      )
      keep(
        await inProcessRow(names.joseRenew, async () => {
          joseToken = (await inProcess.joseRenew(joseToken)).refreshToken
        }),
      )
      const renewed = await httpRow(names.renew, server.pid, () => load.renew(HTTP_BUDGET_MS))
      keep(renewed.row, renewed.result)
    }
  } finally {
    load.close()
    await server.stop()
  }
  const row = (name: string, extra: Partial<Row> = {}): Row => ({ ...best.get(name)!, ...extra })
  const title = (path: string) =>
    `${path}, durable SQLite, ${HTTP_CONNECTIONS} connections, best of ${HTTP_ROUNDS} rounds`
  const issue = bestLoad.get(names.issue)!
  const renew = bestLoad.get(names.renew)!
  const latency = (what: string, r: { p50Ms: number; p99Ms: number }): string =>
    `  ${what.padEnd(20)} p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms`
  return {
    cases: [
      {
        title: title('POST /issue_token'),
        rows: [row(names.mintLimit, { baseline: true }), row(names.joseMint), row(names.issue, { target: TARGETS.issue })],
      },
      {
        title: title('POST /renew_token'),
        rows: [row(names.renewLimit, { baseline: true }), row(names.joseRenew), row(names.renew, { target: TARGETS.renew })],
      },
    ],
    notes: ['  latency (best round):', latency('POST /issue_token', issue), latency('POST /renew_token', renew)],
    rates: { issue, renew },
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
    const inProcess = await prepareInProcess(makeBenchKeys())
    const mint = await measureCore(memory, await measureRaw(inProcess))
    printCase(mint)
    const http = await measureHttp(durable, inProcess)
    for (const entry of http.cases) printCase(entry)
    for (const line of http.notes) console.log(line)
    const instances = await measureInstances(http.rates, { ...HTTP_LOAD, budgetMs: BUDGET_MS })
    for (const entry of instances) printCase(entry)
    printTargets([mint, ...http.cases])
  } finally {
    rmSync(durable, { recursive: true, force: true })
    rmSync(memory, { recursive: true, force: true })
  }
}
