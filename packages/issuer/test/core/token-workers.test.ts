import { Worker } from 'node:worker_threads'
import { compactDecrypt, compactVerify, CompactEncrypt, CompactSign } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import type { OpenJob, PairJob, SealSpec, SignJob } from '../../src/core/token-jobs.js'
import { createTokenWorkers, spawnTokenWorker, TokenJobError, type TokenWorkers } from '../../src/core/token-workers.js'
import { generateKeyPairViaDer } from '../helpers/key-pair.js'

const signing = generateKeyPairViaDer('ec', { namedCurve: 'P-256' })
const encryption = generateKeyPairViaDer('ec', { namedCurve: 'P-256' })
const NOW = Date.UTC(2031, 0, 1)

function signJob(sub: string): SignJob {
  return {
    op: 'sign',
    alg: 'ES256',
    header: JSON.stringify({ alg: 'ES256', kid: 's1', typ: 'at+jwt' }),
    payload: JSON.stringify({ sub }),
  }
}

function sealSpec(sub: string): SealSpec {
  return {
    alg: 'ES256',
    header: JSON.stringify({ alg: 'ES256', kid: 's1', typ: 'rt+jwt' }),
    payload: JSON.stringify({ iss: 'JWTIS', aud: 'JWTIS', sub, jti: `j-${sub}`, iat: NOW / 1000, exp: NOW / 1000 + 60 }),
    encAlg: 'ECDH-ES+A256KW',
    enc: 'A256GCM',
    encKid: 'e1',
  }
}

function pairJob(sub: string): PairJob {
  const { op: _op, ...access } = signJob(sub)
  return { op: 'pair', access, refresh: sealSpec(sub) }
}

function openJob(token: string, sigKids = ['s1']): OpenJob {
  return { op: 'open', token, encAlg: 'ECDH-ES+A256KW', enc: 'A256GCM', sigAlg: 'ES256', sigKids, issuer: 'JWTIS', now: NOW }
}

async function subjectOf(accessToken: string): Promise<unknown> {
  const { payload } = await compactVerify(accessToken, signing.publicKey, { algorithms: ['ES256'] })
  return JSON.parse(new TextDecoder().decode(payload)).sub
}

async function innerSubjectOf(refreshToken: string): Promise<unknown> {
  const { plaintext } = await compactDecrypt(refreshToken, encryption.privateKey)
  return subjectOf(new TextDecoder().decode(plaintext))
}

/** A worker that dies on the first batch it gets. */
function dyingWorker(): Worker {
  return new Worker(`require('node:worker_threads').parentPort.on('message', () => process.exit(7))`, { eval: true })
}

const pools: TokenWorkers[] = []
function pool(options: Parameters<typeof createTokenWorkers>[0]): TokenWorkers {
  const made = createTokenWorkers(options)
  pools.push(made)
  return made
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((made) => made.close()))
})

describe.each([0, 2])('with %i workers', (size) => {
  it('signs, seals and opens tokens that jose checks, in bursts', async () => {
    let spawned = 0
    const tokens = pool({
      size,
      spawn: () => {
        spawned++
        return spawnTokenWorker()
      },
    })
    expect(tokens.size).toBe(size)
    const subjects = Array.from({ length: 12 }, (_, i) => `user-${i}`)
    const [access, refresh] = await Promise.all([
      Promise.all(subjects.map((sub) => tokens.run(signJob(sub), [signing.privateKey]))),
      Promise.all(
        subjects.map(async (sub) => (await tokens.run(pairJob(sub), [signing.privateKey, encryption.publicKey])).refreshToken),
      ),
    ])
    expect(await Promise.all(access.map(subjectOf))).toEqual(subjects)
    expect(await Promise.all(refresh.map(innerSubjectOf))).toEqual(subjects)
    const opened = await Promise.all(
      refresh.map((token) => tokens.run(openJob(token), [encryption.privateKey, signing.publicKey])),
    )
    expect(opened.map((outcome) => ('claims' in outcome ? outcome.claims['sub'] : undefined))).toEqual(subjects)
    // A burst is shared out: every worker took part.
    expect(spawned).toBe(size)
  })

  it('makes a whole pair in one job: an access token and a refresh token that jose checks', async () => {
    const tokens = pool({ size })
    const subjects = Array.from({ length: 8 }, (_, i) => `pair-${i}`)
    const pairs = await Promise.all(subjects.map((sub) => tokens.run(pairJob(sub), [signing.privateKey, encryption.publicKey])))
    expect(await Promise.all(pairs.map((pair) => subjectOf(pair.accessToken)))).toEqual(subjects)
    expect(await Promise.all(pairs.map((pair) => innerSubjectOf(pair.refreshToken)))).toEqual(subjects)
    // Keys in the wrong order: the access token cannot be signed with a public key.
    await expect(tokens.run(pairJob('swapped'), [encryption.publicKey, signing.privateKey])).rejects.toMatchObject({ name: 'TokenJobError', refused: false })
  })

  it('opens refresh tokens made by jose, and refuses bad ones as refused', async () => {
    const tokens = pool({ size })
    const inner = await new CompactSign(new TextEncoder().encode(sealSpec('jose-user').payload))
      .setProtectedHeader({ alg: 'ES256', kid: 's1', typ: 'rt+jwt' })
      .sign(signing.privateKey)
    const outer = await new CompactEncrypt(new TextEncoder().encode(inner))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'e1', cty: 'JWT' })
      .encrypt(encryption.publicKey)
    const keys = [encryption.privateKey, signing.publicKey]
    const outcome = await tokens.run(openJob(outer), keys)
    expect('claims' in outcome && outcome.claims['sub']).toBe('jose-user')
    // An inner JWS by a key the job was not given: the caller may reload and retry.
    expect(await tokens.run(openJob(outer, ['s2']), keys)).toEqual({ unknownKid: 's1' })
    // A tag with one bit flipped (a fixed new ending would leave 1 tag in 256 as it was).
    const parts = outer.split('.')
    const tag = Buffer.from(parts[4]!, 'base64url')
    tag[0]! ^= 1
    parts[4] = tag.toString('base64url')
    const err = await tokens.run(openJob(parts.join('.')), keys).catch((caught: unknown) => caught)
    expect(err).toBeInstanceOf(TokenJobError)
    expect((err as TokenJobError).refused).toBe(true)
    // A JWE whose content is no JWS at all.
    const bare = await new CompactEncrypt(new TextEncoder().encode('not a jws'))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'e1', cty: 'JWT' })
      .encrypt(encryption.publicKey)
    await expect(tokens.run(openJob(bare), keys)).rejects.toMatchObject({ refused: true })
  })

  it('fails a sign with a key that does not fit as a fault, not a refusal', async () => {
    const tokens = pool({ size })
    const p384 = generateKeyPairViaDer('ec', { namedCurve: 'P-384' })
    const err = await tokens.run(signJob('u'), [p384.privateKey]).catch((caught: unknown) => caught)
    expect(err).toBeInstanceOf(TokenJobError)
    expect((err as TokenJobError).refused).toBe(false)
    expect((err as Error).message).toMatch(/does not fit ES256/)
  })
})

describe('worker failures', () => {
  it('fails the jobs of a worker that dies, then carries on with a new one', async () => {
    const logs: string[] = []
    let spawned = 0
    const tokens = pool({
      size: 1,
      log: (line) => logs.push(line),
      spawn: () => (spawned++ === 0 ? dyingWorker() : spawnTokenWorker()),
    })
    // A burst: all but the first job go to the worker (the first may run on this thread).
    const burst = Array.from({ length: 6 }, (_, i) => tokens.run(pairJob(`u${i}`), [signing.privateKey, encryption.publicKey]))
    const settled = await Promise.allSettled(burst)
    const failed = settled.filter((result) => result.status === 'rejected')
    expect(failed.length).toBeGreaterThanOrEqual(5)
    for (const result of failed) {
      expect(result.reason).toBeInstanceOf(TokenJobError)
      expect((result.reason as TokenJobError).refused).toBe(false)
    }
    expect(logs.some((line) => /token worker stopped \(exit code 7\)/.test(line))).toBe(true)
    const again = await Promise.all(
      Array.from({ length: 6 }, (_, i) => tokens.run(pairJob(`v${i}`), [signing.privateKey, encryption.publicKey])),
    )
    expect(await Promise.all(again.map((pair) => innerSubjectOf(pair.refreshToken)))).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5'])
    expect(spawned).toBe(2)
  })

  it('runs the jobs on this thread when workers cannot start', async () => {
    const logs: string[] = []
    let spawned = 0
    const tokens = pool({
      size: 2,
      log: (line) => logs.push(line),
      spawn: () => {
        spawned++
        return new Worker(new URL('./no-such-worker.js', import.meta.url))
      },
    })
    // Each burst loses its jobs to workers that never start, until the pool gives up on them.
    for (let round = 0; round < 4 && tokens.size > 0; round++) {
      await Promise.allSettled(
        Array.from({ length: 4 }, (_, i) => tokens.run(pairJob(`u${i}`), [signing.privateKey, encryption.publicKey])),
      )
    }
    expect(tokens.size).toBe(0)
    expect(spawned).toBeGreaterThanOrEqual(3)
    expect(logs.some((line) => /cannot start; token crypto now runs on the main thread/.test(line))).toBe(true)
    const tokensNow = await Promise.all(Array.from({ length: 4 }, (_, i) => tokens.run(signJob(`w${i}`), [signing.privateKey])))
    expect(await Promise.all(tokensNow.map(subjectOf))).toEqual(['w0', 'w1', 'w2', 'w3'])
  })

  it('runs on this thread when a worker cannot even be made', async () => {
    const logs: string[] = []
    const tokens = pool({
      size: 1,
      log: (line) => logs.push(line),
      spawn: () => {
        throw new Error('no threads here')
      },
    })
    const burst = await Promise.all(
      Array.from({ length: 3 }, (_, i) => tokens.run(pairJob(`u${i}`), [signing.privateKey, encryption.publicKey])),
    )
    expect(await Promise.all(burst.map((pair) => innerSubjectOf(pair.refreshToken)))).toEqual(['u0', 'u1', 'u2'])
    expect(tokens.size).toBe(0)
    expect(logs).toEqual(['token workers cannot start (no threads here); token crypto now runs on the main thread'])
  })
})

describe('close', () => {
  it('lets jobs under way finish, then refuses new ones', async () => {
    const tokens = pool({ size: 2 })
    const burst = Array.from({ length: 8 }, (_, i) => tokens.run(pairJob(`u${i}`), [signing.privateKey, encryption.publicKey]))
    const closing = tokens.close()
    const sealed = await Promise.all(burst)
    expect(await Promise.all(sealed.map((pair) => innerSubjectOf(pair.refreshToken)))).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'])
    await closing
    await expect(tokens.run(signJob('late'), [signing.privateKey])).rejects.toThrow(/closed/)
  })

  it('refuses a worker count out of range', () => {
    expect(() => createTokenWorkers({ size: -1 })).toThrow(TypeError)
    expect(() => createTokenWorkers({ size: 1.5 })).toThrow(TypeError)
    expect(() => createTokenWorkers({ size: 65 })).toThrow(TypeError)
  })
})
