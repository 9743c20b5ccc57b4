import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isVerifyError } from '../../src/errors.js'
import type { VerifierEvent } from '../../src/events.js'
import { createJwksCache } from '../../src/jwks/index.js'
import type { JwksCache } from '../../src/jwks/types.js'
import { type CacheHarness, createCacheHarness } from '../helpers/cache-harness.js'
import { type Behaviour, type JwksServer, startJwksServer } from '../helpers/jwks-server.js'
import { createTestKey, type TestKey, verifies } from '../helpers/keys.js'
import { settle } from '../helpers/settle.js'

const MIB = 1024 * 1024

let server: JwksServer
let key: TestKey
let harness: CacheHarness
let events: VerifierEvent[]

function cache(options: Partial<Parameters<typeof createJwksCache>[0]> = {}): JwksCache {
  return harness.open({ url: server.url, algorithms: ['ES256'], cooldown: 200, ...options })
}

/** A JWKS document of exactly `bytes` bytes, padded with an ignored member. */
function paddedJwks(bytes: number): string {
  const base = JSON.stringify({ keys: [key.jwk], pad: '' })
  return JSON.stringify({ keys: [key.jwk], pad: 'x'.repeat(bytes - base.length) })
}

async function expectHeldKeyWorks(held: JwksCache): Promise<void> {
  const outcome = await settle(() => held.getKey({ alg: 'ES256', kid: key.kid }))
  expect(outcome.sync).toBe(true)
  expect(await verifies(outcome.value!.key, await key.sign())).toBe(true)
}

beforeEach(async () => {
  key = await createTestKey('ES256')
  server = await startJwksServer({ keys: [key.jwk] })
  harness = createCacheHarness()
  events = harness.events
})

afterEach(async () => {
  harness.close()
  await server.close()
})

describe('createJwksCache: endpoint failures', () => {
  it('keeps serving held keys past their max age while the endpoint fails, retrying with backoff', async () => {
    server.cacheControl = 'max-age=1'
    const held = cache({ staleIfError: '1h' })
    await held.refresh()
    server.behaviour = { kind: 'status', status: 500 }

    let lookups = 0
    for (let elapsed = 0; elapsed < 4300; elapsed += 10) {
      await expectHeldKeyWorks(held)
      lookups++
      await harness.advance(10)
    }
    const failedRequests = server.requests.length - 1
    // Refresh at 0.8 s, then retries 0.2, 0.4, 0.8, 1.6 s apart, less up to a fifth of
    // jitter: the fifth failure falls between 3.2 and 3.8 s, the sixth after 5.7 s. A retry
    // per 200 ms window would make about 17 requests, a retry per lookup hundreds.
    expect(failedRequests).toBe(5)
    expect(lookups).toBe(430)
    expect(events.filter((event) => event.type === 'jwks_fetch_error')).toHaveLength(failedRequests)
    expect(events.some((event) => event.type === 'stale_served')).toBe(true)
    expect(held.status()).toMatchObject({ loaded: true, fresh: false, keys: 1, lastError: 'JWKS endpoint answered HTTP 500' })

    server.behaviour = { kind: 'jwks' }
    await held.refresh()
    expect(held.status()).toMatchObject({ loaded: true, fresh: true, lastError: undefined })
  }, 10_000)

  it('stops trusting held keys once stale-if-error is over', async () => {
    server.cacheControl = 'max-age=1'
    const held = cache({ staleIfError: 300 })
    const removed: string[][] = []
    held.onKeysRemoved?.((kids) => removed.push([...kids]))
    await held.refresh()
    server.behaviour = { kind: 'status', status: 500 }
    // Fresh for 1 s, then usable 300 ms more while the endpoint fails.
    await harness.advance(1299)
    expect(held.status()).toMatchObject({ loaded: true, fresh: false })
    expect(removed).toEqual([])
    await harness.advance(1)
    expect(held.status()).toMatchObject({ loaded: false, fresh: false, keys: 0 })
    const outcome = await settle(() => held.getKey({ alg: 'ES256', kid: key.kid }))
    expect(isVerifyError(outcome.error, 'ERR_KEYS_UNAVAILABLE')).toBe(true)
    expect(removed).toEqual([[key.kid]])
  })

  it('answers held kids without waiting while the endpoint hangs', async () => {
    server.cacheControl = 'max-age=1'
    const held = cache({ timeout: '30s' })
    await held.refresh()
    server.behaviour = { kind: 'hang' }
    // The refresh ahead of expiry starts at 0.8 s and hangs; the clock moves on without it.
    harness.clock.advance(800)
    await server.until(() => server.pending === 1)
    // Past the keys' max age, the refresh still hanging: lookups answer at once.
    for (let elapsed = 0; elapsed < 700; elapsed += 10) {
      await expectHeldKeyWorks(held)
      harness.clock.advance(10)
    }
    expect(server.pending).toBe(1)
    expect(server.requests).toHaveLength(2)
    expect(events.some((event) => event.type === 'stale_served')).toBe(true)
  })

  it('drops at once a kid that a successful refetch no longer lists', async () => {
    const retired = await createTestKey('ES256')
    server.jwks = { keys: [key.jwk, retired.jwk] }
    const held = cache()
    const removed: string[][] = []
    const unsubscribe = held.onKeysRemoved?.((kids) => removed.push([...kids]))
    await held.refresh()
    expect(await verifies((await held.getKey({ alg: 'ES256', kid: retired.kid })).key, await retired.sign())).toBe(true)

    server.jwks = { keys: [key.jwk] }
    await held.refresh()
    const outcome = await settle(() => held.getKey({ alg: 'ES256', kid: retired.kid }))
    expect(isVerifyError(outcome.error, 'ERR_KID_UNKNOWN')).toBe(true)
    expect(removed).toEqual([[retired.kid]])
    expect(events).toContainEqual({ type: 'keys_changed', source: server.url, added: [], removed: [retired.kid] })
    await expectHeldKeyWorks(held)

    unsubscribe?.()
    server.jwks = { keys: [] }
    await held.refresh()
    expect(removed).toHaveLength(1)
    expect(held.status()).toMatchObject({ loaded: false, keys: 0 })
  })
})

describe('createJwksCache: bad responses', () => {
  const cases: [string, () => Behaviour, RegExp][] = [
    ['a body over 1 MiB', () => ({ kind: 'body', body: paddedJwks(MIB + 1), chunked: false }), /larger than 1048576 bytes/],
    [
      'a body over 1 MiB streamed without Content-Length',
      () => ({ kind: 'body', body: paddedJwks(MIB + 1), chunked: true }),
      /larger than 1048576 bytes/,
    ],
    ['malformed JSON', () => ({ kind: 'body', body: '{"keys": [', chunked: false }), /not valid JSON/],
    ['JSON that is not a JWKS', () => ({ kind: 'body', body: '{"keys": "none"}', chunked: false }), /"keys" array/],
    ['a JSON array', () => ({ kind: 'body', body: '[]', chunked: false }), /"keys" array/],
    ['bytes that are not UTF-8', () => ({ kind: 'body', body: new Uint8Array([0x7b, 0xff, 0x7d]), chunked: false }), /UTF-8/],
    ['an error status', () => ({ kind: 'status', status: 404 }), /HTTP 404/],
    ['an empty 204', () => ({ kind: 'status', status: 204 }), /not valid JSON|no body/],
  ]

  for (const [name, behaviour, message] of cases) {
    it(`rejects ${name} without evicting good keys`, async () => {
      const held = cache()
      await held.refresh()
      server.behaviour = behaviour()
      await expect(held.refresh()).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' })
      expect(held.status()).toMatchObject({ loaded: true, keys: 1 })
      expect(held.status().lastError).toMatch(message)
      await expectHeldKeyWorks(held)
    })
  }

  it('accepts a body of exactly 1 MiB', async () => {
    server.behaviour = { kind: 'body', body: paddedJwks(MIB), chunked: true }
    const held = cache()
    await held.refresh()
    await expectHeldKeyWorks(held)
  })

  it('refuses every redirect without following it', async () => {
    const target = await startJwksServer({ keys: [key.jwk] })
    try {
      const held = cache()
      await held.refresh()
      for (const status of [301, 302, 303, 307, 308]) {
        server.behaviour = { kind: 'redirect', status, location: target.url }
        await expect(held.refresh()).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' })
        expect(held.status().lastError).toBe(`JWKS endpoint redirected (HTTP ${status}); redirects are refused`)
        await expectHeldKeyWorks(held)
      }
      expect(target.requests).toHaveLength(0)

      const cold = createJwksCache({ url: server.url, algorithms: ['ES256'] })
      const outcome = await settle(() => cold.getKey({ alg: 'ES256', kid: key.kid }))
      cold.close()
      expect(isVerifyError(outcome.error, 'ERR_KEYS_UNAVAILABLE')).toBe(true)
      expect(target.requests).toHaveLength(0)
    } finally {
      await target.close()
    }
  })

  it('rejects a response listing more than maxKeys keys', async () => {
    const more = await Promise.all([1, 2, 3].map(() => createTestKey('ES256')))
    const held = cache({ maxKeys: 3 })
    await held.refresh()
    server.jwks = { keys: [key.jwk, ...more.map((extra) => extra.jwk)] }
    await expect(held.refresh()).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' })
    expect(held.status().lastError).toBe('JWKS document lists 4 keys, more than the limit of 3')
    await expectHeldKeyWorks(held)
    const extra = await settle(() => held.getKey({ alg: 'ES256', kid: more[0]!.kid }))
    expect(isVerifyError(extra.error, 'ERR_KID_UNKNOWN')).toBe(true)

    server.jwks = { keys: [key.jwk, ...more.slice(0, 2).map((extra) => extra.jwk)] }
    await held.refresh()
    expect(held.status().keys).toBe(3)
  })
})
