/**
 * The crypto of tokens as plain jobs: data in, token out, no I/O and no state. They run
 * alike on a worker thread or on the calling one (see `token-workers.ts`). Keys travel
 * beside a job, never inside it, so that the pool can send each key to a worker only once.
 */
import type { KeyObject } from 'node:crypto'
import { decryptJwe } from '../jose/jwe-decrypt.js'
import { encryptJwe } from '../jose/jwe-encrypt.js'
import { signJws } from '../jose/jws-sign.js'
import { UnknownKeyError } from '../jose/jws-verify.js'
import { verifyInnerRefreshToken } from './inner-refresh-token.js'

/** What a JWS is made of. */
export interface SignSpec {
  alg: string
  /** The protected header, as JSON text. */
  header: string
  /** The claims, as JSON text. */
  payload: string
}

/** What a nested JWT (a JWS encrypted as a JWE) is made of. */
export interface SealSpec extends SignSpec {
  encAlg: string
  enc: string
  /** The `kid` of the JWE header: the encryption key's id. */
  encKid: string
}

/** Signs a JWS. Keys: `[private signing key]`. */
export interface SignJob extends SignSpec {
  op: 'sign'
}

/**
 * Signs an access token and seals a refresh token in one job, so that issuing a pair costs
 * one hand-off to a worker, not two. Keys: `[private signing key, encryption key]`; the
 * encryption key's private half, which the issuer holds as the refresh token's only
 * recipient, makes ECDH-ES cheaper than the public half would (see `encryptJwe`).
 */
export interface PairJob {
  op: 'pair'
  /** The access token's JWS. */
  access: SignSpec
  /** The refresh token's JWS, encrypted. */
  refresh: SealSpec
}

/**
 * Decrypts a refresh token and verifies its inner JWS and claims. Keys: `[private
 * encryption key, ...public signing keys]`, the signing keys in the order of `sigKids`.
 */
export interface OpenJob {
  op: 'open'
  token: string
  encAlg: string
  enc: string
  sigAlg: string
  sigKids: string[]
  issuer: string
  /** Milliseconds since the epoch. */
  now: number
}

/** Any token job. */
export type TokenJob = SignJob | PairJob | OpenJob

/** What opening a refresh token found. */
export type OpenOutcome =
  /** Verified claims. */
  | { claims: Record<string, unknown> }
  /** The inner JWS names a signing key not among those given: reload the client's keys. */
  | { unknownKid: string }

/** The value of each job kind. */
export interface TokenJobValues {
  sign: string
  pair: { accessToken: string; refreshToken: string }
  open: OpenOutcome
}

/** The value of one job, or why it failed. `refused`: the input was bad (a token that does not open). */
export type TokenJobResult = { ok: true; value: TokenJobValues[TokenJob['op']] } | { ok: false; refused: boolean; reason: string }

function keyAt(keys: readonly KeyObject[], index: number): KeyObject {
  const key = keys[index]
  if (key === undefined) throw new Error(`a token job lacks key ${index}`)
  return key
}

function sign(job: SignSpec, keys: readonly KeyObject[]): string {
  return signJws(job.alg, keyAt(keys, 0), job.header, job.payload)
}

function seal(job: SealSpec, keys: readonly KeyObject[]): string {
  const inner = signJws(job.alg, keyAt(keys, 0), job.header, job.payload)
  return encryptJwe(inner, { alg: job.encAlg, enc: job.enc, key: keyAt(keys, 1), kid: job.encKid, cty: 'JWT' })
}

function open(job: OpenJob, keys: readonly KeyObject[]): OpenOutcome {
  const { plaintext } = decryptJwe(job.token, { alg: job.encAlg, enc: job.enc, key: keyAt(keys, 0) })
  try {
    const claims = verifyInnerRefreshToken(plaintext.toString('utf8'), {
      issuer: job.issuer,
      algorithm: job.sigAlg,
      now: job.now,
      keyFor: (kid) => {
        const index = job.sigKids.indexOf(kid)
        return index < 0 ? undefined : keyAt(keys, index + 1)
      },
    })
    return { claims }
  } catch (err) {
    if (err instanceof UnknownKeyError) return { unknownKid: err.kid }
    throw err
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Runs one job. Never throws: a failure comes back as a result, `refused` when it is the
 * input's fault (only an `open` job can be refused), so it crosses a thread boundary as
 * plain data.
 *
 * @example
 * ```ts
 * const result = runTokenJob({ op: 'sign', alg: 'ES256', header, payload }, [privateKey])
 * ```
 */
export function runTokenJob(job: TokenJob, keys: readonly KeyObject[]): TokenJobResult {
  try {
    switch (job.op) {
      case 'sign':
        return { ok: true, value: sign(job, keys) }
      case 'pair':
        return { ok: true, value: { accessToken: sign(job.access, keys), refreshToken: seal(job.refresh, keys) } }
      case 'open':
        return { ok: true, value: open(job, keys) }
      default:
        return { ok: false, refused: false, reason: 'unknown token job' }
    }
  } catch (err) {
    return { ok: false, refused: job.op === 'open', reason: describe(err) }
  }
}
