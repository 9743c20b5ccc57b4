/**
 * Verification throughput: @jwtis/verifier (the built package, keys from a local JWKS
 * server) against raw node:crypto (the limit), jose `jwtVerify` and fast-jwt, for ES256,
 * EdDSA, RS256 and PS256; distinct tokens and one repeated token; one call at a time and
 * 16 in flight on one thread. Ratios are to raw node:crypto in the same case and run.
 * Contenders are measured in interleaved rounds and keep their best (see lib/rounds.ts).
 */
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { createVerifier } from '@jwtis/verifier'
import { createVerifier as createFastJwtVerifier } from 'fast-jwt'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { startJwksServer } from './lib/jwks-server.js'
import { createRawVerify } from './lib/raw-verify.js'
import { type Case, printCase, printTargets, type Row } from './lib/report.js'
import { measureInterleaved } from './lib/rounds.js'
import { printSummary } from './lib/summary.js'
import { AUDIENCE, type BenchAlg, generateBenchKey, ISSUER, mintPool, mintToken } from './lib/tokens.js'

const ALL_ALGS: readonly BenchAlg[] = ['ES256', 'EdDSA', 'RS256', 'PS256']
/** `BENCH_ALGS=ES256,EdDSA` measures only those. */
const ALGS = process.env.BENCH_ALGS === undefined ? ALL_ALGS : ALL_ALGS.filter((alg) => process.env.BENCH_ALGS!.split(',').includes(alg))
const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 2000)
/**
 * Rounds per contender for distinct tokens, where the targets sit near their lines and a
 * slow stretch of a shared machine weighs most; a repeated token clears its target many
 * times over and takes fewer.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8)
const REPEATED_ROUNDS = Math.max(1, Math.ceil(ROUNDS / 3))
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 250)
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 200)
const IN_FLIGHT = 16

const TARGETS = {
  distinctOne: { ratio: 0.95, label: 'distinct, 1 at a time' },
  distinctMany: { ratio: 1.5, label: `${IN_FLIGHT} in flight` },
  repeated: { ratio: 20, label: 'repeated token' },
}

type Verify = (token: string) => unknown

interface Contender {
  name: string
  verify: Verify
  baseline?: boolean
  target?: Row['target']
}

/** Which entry of @jwtis/verifier this process loads (the `node` condition applies under Node). */
function describeEntry(): string {
  const entry = fileURLToPath(import.meta.resolve('@jwtis/verifier'))
  const file = entry.split(/[\\/]/).slice(-2).join('/')
  const path = /node/i.test(file) ? 'Node fast path' : 'neutral WebCrypto path'
  return `${path} (${file})`
}

async function expectSubject(name: string, verify: Verify, token: string, sub: string): Promise<void> {
  const result = (await verify(token)) as { sub?: unknown; payload?: { sub?: unknown } }
  const found = result.payload?.sub ?? result.sub
  if (found !== sub) throw new Error(`${name} did not verify the benchmark token (sub ${String(found)})`)
}

async function runCase(
  title: string,
  contenders: Contender[],
  tokens: readonly string[],
  concurrency: number,
  rounds: number,
): Promise<Case> {
  const size = tokens.length
  const tasks = contenders.map(({ verify }) => (i: number) => verify(tokens[i % size]!))
  const best = await measureInterleaved(tasks, { rounds, roundMs: ROUND_MS, warmupMs: WARMUP_MS, concurrency })
  const rows: Row[] = contenders.map((contender, i) => ({
    name: contender.name,
    opsPerSec: best[i]!.opsPerSec,
    baseline: contender.baseline,
    target: contender.target,
    othersBusy: best[i]!.othersBusy,
  }))
  const entry = { title, rows }
  printCase(entry)
  return entry
}

async function benchAlg(alg: BenchAlg, entryLabel: string): Promise<Case[]> {
  const key = generateBenchKey(alg)
  const pool = mintPool(key, POOL_SIZE)
  const repeated = mintToken(key, 'user-repeated')
  const server = await startJwksServer([key.jwk])
  const common = { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg], jwksUri: server.url }
  const jwtis = createVerifier({ ...common, tokenCache: false })
  const jwtisCached = createVerifier({ ...common, tokenCache: true })
  const joseKeys = createLocalJWKSet({ keys: [key.jwk] })
  const joseOptions = { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg] }
  const fastOptions = { key: key.pem, algorithms: [alg], allowedIss: ISSUER, allowedAud: AUDIENCE }
  const fast = createFastJwtVerifier(fastOptions)
  const fastCached = createFastJwtVerifier({ ...fastOptions, cache: true })
  const raw = createRawVerify(key)

  const contenders = (cached: boolean, target: Row['target']): Contender[] => [
    { name: 'raw node:crypto (limit)', verify: raw, baseline: true },
    {
      name: `@jwtis/verifier${cached ? ' (tokenCache)' : ''}`,
      verify: (token) => (cached ? jwtisCached : jwtis).verify(token),
      target,
    },
    { name: 'jose jwtVerify', verify: (token) => jwtVerify(token, joseKeys, joseOptions) },
    { name: `fast-jwt${cached ? ' (cache: true)' : ''}`, verify: cached ? fastCached : fast },
  ]

  try {
    for (const contender of [...contenders(false, undefined), ...contenders(true, undefined)]) {
      await expectSubject(contender.name, contender.verify, pool[0]!, 'user-0')
      await expectSubject(contender.name, contender.verify, repeated, 'user-repeated')
    }
    console.log(`\n== ${alg}: ${POOL_SIZE} distinct tokens; @jwtis/verifier on the ${entryLabel}`)
    return [
      await runCase(`${alg} distinct, 1 at a time`, contenders(false, TARGETS.distinctOne), pool, 1, ROUNDS),
      await runCase(
        `${alg} distinct, ${IN_FLIGHT} in flight`,
        contenders(false, TARGETS.distinctMany),
        pool,
        IN_FLIGHT,
        ROUNDS,
      ),
      await runCase(`${alg} repeated, 1 at a time`, contenders(true, TARGETS.repeated), [repeated], 1, REPEATED_ROUNDS),
      await runCase(
        `${alg} repeated, ${IN_FLIGHT} in flight`,
        contenders(true, TARGETS.repeated),
        [repeated],
        IN_FLIGHT,
        REPEATED_ROUNDS,
      ),
    ]
  } finally {
    jwtis.close()
    jwtisCached.close()
    await server.close()
  }
}

/** Runs the verifier benchmark and prints its tables and targets. */
export async function run(): Promise<void> {
  const entryLabel = describeEntry()
  console.log('# @jwtis/verifier benchmark')
  console.log(
    `Node ${process.version}, ${availableParallelism()} CPUs; per case, each contender warms up ${WARMUP_MS} ms, then ${ROUNDS} rounds (${REPEATED_ROUNDS} for a repeated token) of ${ROUND_MS} ms taken in turn with the others; the best round counts.`,
  )
  console.log(`@jwtis/verifier measured on the ${entryLabel}, keys from a local JWKS server.`)
  console.log(
    `raw = decode + synchronous node:crypto verify with a ready KeyObject, no claims; "${IN_FLIGHT} in flight" = ${IN_FLIGHT} concurrent promises on one thread.`,
  )
  console.log('Rows measured while other processes took CPU say so; a [busy machine] target is not a fair verdict.')
  const cases: Case[] = []
  for (const alg of ALGS) cases.push(...(await benchAlg(alg, entryLabel)))
  printTargets(cases)
  printSummary(cases)
}
