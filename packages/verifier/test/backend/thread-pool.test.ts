import { constants, sign } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { scheduleVerify } from '../../src/backend/thread-pool.js'
import { VerifyError } from '../../src/errors.js'
import { createVerifier } from '../../src/index.node.js'
import { generateDerKeyPair } from '../helpers/der-key-pair.mjs'
import { newKeyPair } from '../helpers/keys.js'
import { runNode } from '../helpers/run-node.js'
import { AUDIENCE, ISSUER, mint } from '../helpers/tokens.js'

const { privateKey, publicKey } = generateDerKeyPair('ec', { namedCurve: 'P-256' })
const key = { key: publicKey, dsaEncoding: 'ieee-p1363' as const }
const data = Buffer.from('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0')
const good = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
const bad = Buffer.from(good)
bad[10]! ^= 1

/** Lets every check of the previous stretch settle, so the next call is alone. */
async function quiet(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
}

afterEach(() => {
  vi.useRealTimers()
})

describe('scheduleVerify', () => {
  it('checks a lone signature at once and returns the verdict', async () => {
    await quiet()
    expect(scheduleVerify('sha256', data, key, good)).toBe(true)
    await quiet()
    expect(scheduleVerify('sha256', data, key, bad)).toBe(false)
  })

  it('leaves the main thread when many checks start together, with the same verdicts', async () => {
    await quiet()
    // Enough for every path: at once, the package's thread, and the main thread's turns beside it.
    const signatures = Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? bad : good))
    const results = signatures.map((signature) => scheduleVerify('sha256', data, key, signature))
    const firstDeferred = results.findIndex((result) => result instanceof Promise)
    expect(firstDeferred).toBeGreaterThan(0)
    expect(results.slice(0, firstDeferred).every((result) => typeof result === 'boolean')).toBe(true)
    expect(results.slice(firstDeferred).every((result) => result instanceof Promise)).toBe(true)
    expect(await Promise.all(results)).toEqual(signatures.map((signature) => signature === good))
    await quiet()
    expect(scheduleVerify('sha256', data, key, good)).toBe(true)
  })

  it('finishes every check when setImmediate is faked, as test suites often do', async () => {
    await quiet()
    vi.useFakeTimers({ toFake: ['setImmediate'] })
    const results = Array.from({ length: 40 }, () => scheduleVerify('sha256', data, key, good))
    // The main thread's turns never come; the package's thread alone works the queue off.
    expect(await Promise.all(results)).toEqual(Array.from({ length: 40 }, () => true))
    vi.useRealTimers()
    // A turn lost with the fake setImmediate leaves nothing stuck once it is real again.
    const again = Array.from({ length: 40 }, () => scheduleVerify('sha256', data, key, good))
    expect(await Promise.all(again)).toEqual(Array.from({ length: 40 }, () => true))
  })

  it('gives each check of mixed keys and algorithms its own verdict when they travel together', async () => {
    await quiet()
    const rsa = generateDerKeyPair('rsa', { modulusLength: 2048 })
    const ed = generateDerKeyPair('ed25519')
    const other = generateDerKeyPair('ec', { namedCurve: 'P-256' })
    const pss = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    const kinds = [
      { algorithm: 'sha256', key, signature: good },
      { algorithm: 'sha256', key: { key: other.publicKey, dsaEncoding: 'ieee-p1363' as const }, signature: good },
      { algorithm: 'sha256', key: rsa.publicKey, signature: sign('sha256', data, rsa.privateKey) },
      { algorithm: 'sha256', key: { key: rsa.publicKey, ...pss }, signature: sign('sha256', data, { key: rsa.privateKey, ...pss }) },
      { algorithm: 'sha256', key: { key: rsa.publicKey, ...pss }, signature: sign('sha256', data, rsa.privateKey) },
      { algorithm: null, key: ed.publicKey, signature: sign(null, data, ed.privateKey) },
      { algorithm: null, key: ed.publicKey, signature: sign(null, Buffer.from('other input'), ed.privateKey) },
    ]
    const expected = [true, false, true, true, false, true, false]
    const checks = Array.from({ length: 70 }, (_, i) => i % kinds.length)
    const results = checks.map((k) => scheduleVerify(kinds[k]!.algorithm, data, kinds[k]!.key, kinds[k]!.signature))
    expect(results.filter((result) => result instanceof Promise).length).toBeGreaterThan(60)
    expect(await Promise.all(results)).toEqual(checks.map((k) => expected[k]))
  })

  it("holds the process open while checks are on the package's thread, and only then", async () => {
    await quiet()
    // Once, so that the thread is up and takes the checks below.
    await Promise.all(Array.from({ length: 16 }, () => scheduleVerify('sha256', data, key, good)))
    const ports = (): number => process.getActiveResourcesInfo().filter((name) => name === 'MessagePort').length
    const idle = ports()
    const results = Array.from({ length: 32 }, () => scheduleVerify('sha256', data, key, good))
    let settled = 0
    for (const result of results) void Promise.resolve(result).then(() => settled++)
    await new Promise((resolve) => process.nextTick(resolve))
    // Checks still out hold it. (On a loaded machine the thread may have run each one as
    // it was queued, while the main thread waited to be scheduled: then nothing is held.)
    expect(ports()).toBe(settled < results.length ? idle + 1 : idle)
    expect(await Promise.all(results)).toEqual(Array.from({ length: 32 }, () => true))
    expect(ports()).toBe(idle)
  })

  it('checks on the main thread what cannot be sent to a thread, with the same verdicts', async () => {
    await quiet()
    // A function cannot be copied to another thread; node:crypto ignores the member.
    const unsendable = { key: publicKey, dsaEncoding: 'ieee-p1363' as const, note: () => 'not cloneable' }
    const signatures = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? bad : good))
    const results = signatures.map((signature) => scheduleVerify('sha256', data, unsendable, signature))
    expect(await Promise.all(results)).toEqual(signatures.map((signature) => signature === good))
    // The thread still takes the keys it can.
    const after = Array.from({ length: 40 }, () => scheduleVerify('sha256', data, key, good))
    expect(await Promise.all(after)).toEqual(Array.from({ length: 40 }, () => true))
  })

  it('gives a false verdict when node:crypto throws, off the main thread too', async () => {
    await quiet()
    const results = Array.from({ length: 32 }, () => {
      try {
        return scheduleVerify('no-such-hash', data, key, good)
      } catch {
        // At once, the throw reaches the caller, which counts it as a false verdict.
        return false
      }
    })
    expect(await Promise.all(results)).toEqual(Array.from({ length: 32 }, () => false))
  })
})

describe('the Node.js verifier under load', () => {
  it('runs its thread when code runs as a module, and lets the process exit once every verdict is in', async () => {
    // The child (`--input-type=module`, which threads inherit) starts the package's thread
    // with a first round of checks, waits for the thread to come up (or fail to), then
    // starts a second round without awaiting it. With the thread lost, checks would run at
    // once on the main thread (none deferred); a thread that held the process would keep
    // the child running past its last verdict.
    const script = [
      'const { scheduleVerify } = await import(process.argv[1])',
      'const { generateDerKeyPair } = await import(process.argv[2])',
      "const { sign } = await import('node:crypto')",
      "const { privateKey, publicKey } = generateDerKeyPair('rsa', { modulusLength: 2048 })",
      "const data = Buffer.from('signed')",
      "const good = sign('sha256', data, privateKey)",
      "const round = () => Array.from({ length: 64 }, () => scheduleVerify('sha256', data, publicKey, good))",
      'await Promise.all(round())',
      'await new Promise((resolve) => setTimeout(resolve, 300))',
      'const results = round()',
      'const deferred = results.filter((result) => result instanceof Promise).length',
      'let valid = 0',
      'for (const result of results) Promise.resolve(result).then((ok) => {',
      '  if (ok && ++valid === results.length) console.log(JSON.stringify({ deferred, valid }))',
      '})',
    ].join('\n')
    const pool = new URL('../../dist/backend/thread-pool.js', import.meta.url).href
    const keys = new URL('../helpers/der-key-pair.mjs', import.meta.url).href
    const child = await runNode(['--input-type=module', '-e', script, pool, keys], 15_000)
    expect(child).toMatchObject({ code: 0, killed: false })
    const { deferred, valid } = JSON.parse(child.stdout) as { deferred: number; valid: number }
    expect(deferred).toBeGreaterThan(0)
    expect(valid).toBe(64)
  }, 30_000)

  it.each(['ES256', 'EdDSA', 'RS256', 'PS256'])('gives each of many %s verifications in flight its own verdict', async (alg) => {
    const pair = newKeyPair(alg)
    const attacker = newKeyPair(alg, { kid: pair.kid })
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: pair.jwk, algorithms: [alg] })
    const tokens = await Promise.all(
      Array.from({ length: 48 }, (_, i) => mint(i % 4 === 0 ? attacker : pair, { claims: { sub: `user-${i}` } })),
    )
    const outcomes = await Promise.all(
      tokens.map((token) =>
        verifier.verify(token).then(
          ({ payload }) => payload.sub,
          (err: unknown) => (err instanceof VerifyError ? err.code : 'unexpected'),
        ),
      ),
    )
    expect(outcomes).toEqual(tokens.map((_, i) => (i % 4 === 0 ? 'ERR_SIGNATURE_INVALID' : `user-${i}`)))
    verifier.close()
  })
})
