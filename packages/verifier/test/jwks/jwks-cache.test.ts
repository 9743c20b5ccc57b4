import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isVerifyError } from '../../src/errors.js'
import type { VerifierEvent } from '../../src/events.js'
import { createJwksCache } from '../../src/jwks/index.js'
import type { JwksCache } from '../../src/jwks/types.js'
import { type CacheHarness, createCacheHarness } from '../helpers/cache-harness.js'
import { type JwksServer, startJwksServer } from '../helpers/jwks-server.js'
import { createTestKey, type TestKey, verifies } from '../helpers/keys.js'
import { runNode } from '../helpers/run-node.js'
import { settle } from '../helpers/settle.js'

let server: JwksServer
let key: TestKey
let harness: CacheHarness
const caches: JwksCache[] = []

function cache(options: Partial<Parameters<typeof createJwksCache>[0]> = {}): JwksCache {
  const created = createJwksCache({ url: server.url, algorithms: ['ES256'], ...options })
  caches.push(created)
  return created
}

beforeEach(async () => {
  key = await createTestKey('ES256')
  server = await startJwksServer({ keys: [key.jwk] })
  harness = createCacheHarness()
})

afterEach(async () => {
  harness.close()
  for (const created of caches.splice(0)) created.close()
  await server.close()
})

describe('createJwksCache: loading', () => {
  it('serves a thousand concurrent lookups on a cold cache with one request', async () => {
    const keys = cache()
    const lookups = Array.from({ length: 1000 }, () => keys.getKey({ alg: 'ES256', kid: key.kid }))
    const resolved = await Promise.all(lookups)
    expect(server.requests).toHaveLength(1)
    expect(new Set(resolved.map((entry) => entry.key)).size).toBe(1)
    expect(resolved[0]).toMatchObject({ alg: 'ES256', kid: key.kid })
    expect(await verifies(resolved[0]!.key, await key.sign())).toBe(true)
  })

  it('answers a held kid synchronously', async () => {
    const keys = cache()
    await keys.getKey({ alg: 'ES256', kid: key.kid })
    const outcome = await settle(() => keys.getKey({ alg: 'ES256', kid: key.kid }))
    expect(outcome.sync).toBe(true)
    expect(await verifies(outcome.value!.key, await key.sign())).toBe(true)
  })

  it('fails with ERR_KEYS_UNAVAILABLE when nothing is cached and the endpoint fails, without a request per lookup', async () => {
    server.behaviour = { kind: 'status', status: 503 }
    const events: VerifierEvent[] = []
    const keys = cache({ onEvent: (event) => events.push(event) })
    const first = await settle(() => keys.getKey({ alg: 'ES256', kid: key.kid }))
    expect(isVerifyError(first.error, 'ERR_KEYS_UNAVAILABLE')).toBe(true)
    expect(String((first.error as Error).message)).toContain('HTTP 503')
    const again = await Promise.all(Array.from({ length: 50 }, () => settle(() => keys.getKey({ alg: 'ES256', kid: key.kid }))))
    expect(again.every((outcome) => isVerifyError(outcome.error, 'ERR_KEYS_UNAVAILABLE'))).toBe(true)
    expect(server.requests).toHaveLength(1)
    expect(events.filter((event) => event.type === 'jwks_fetch_error')).toHaveLength(1)
    expect(keys.status()).toMatchObject({ loaded: false, fresh: false, keys: 0, lastError: 'JWKS endpoint answered HTTP 503' })
  })

  it('fails with ERR_KEYS_UNAVAILABLE when the endpoint is unreachable', async () => {
    const url = server.url
    // The replacement listens before the old server closes, so it cannot be given the old port.
    const replacement = await startJwksServer()
    await server.close()
    server = replacement
    const keys = createJwksCache({ url, algorithms: ['ES256'] })
    caches.push(keys)
    const outcome = await settle(() => keys.getKey({ alg: 'ES256', kid: key.kid }))
    expect(isVerifyError(outcome.error, 'ERR_KEYS_UNAVAILABLE')).toBe(true)
    await expect(keys.refresh()).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' })
  })

  it('fails with ERR_KEYS_UNAVAILABLE when the endpoint does not answer within the timeout', async () => {
    server.behaviour = { kind: 'hang' }
    const keys = harness.open({ url: server.url, algorithms: ['ES256'], timeout: 200 })
    const lookup = settle(() => keys.getKey({ alg: 'ES256', kid: key.kid }))
    await server.until(() => server.pending === 1)
    harness.clock.advance(199)
    expect(keys.status().lastError).toBeUndefined()
    harness.clock.advance(1)
    const outcome = await lookup
    expect(isVerifyError(outcome.error, 'ERR_KEYS_UNAVAILABLE')).toBe(true)
    expect(keys.status().lastError).toBe('JWKS request timed out after 200 ms')
  })

  it('refuses an alg outside the allow-list without a request, and an alg that does not fit the kid', async () => {
    const keys = cache({ algorithms: ['ES256', 'RS256'] })
    const outside = await settle(() => keys.getKey({ alg: 'ES384', kid: key.kid }))
    expect(isVerifyError(outside.error, 'ERR_ALG_NOT_ALLOWED')).toBe(true)
    expect(server.requests).toHaveLength(0)
    await keys.getKey({ alg: 'ES256', kid: key.kid })
    const misfit = await settle(() => keys.getKey({ alg: 'RS256', kid: key.kid }))
    expect(isVerifyError(misfit.error, 'ERR_ALG_NOT_ALLOWED')).toBe(true)
    expect(server.requests).toHaveLength(1)
  })

  it('serves a token without kid only when exactly one key fits its alg', async () => {
    const rsa = await createTestKey('RS256')
    server.jwks = { keys: [key.jwk, rsa.jwk] }
    const keys = cache({ algorithms: ['ES256', 'RS256'] })
    const single = await keys.getKey({ alg: 'ES256' })
    expect(await verifies(single.key, await key.sign({ kid: null }))).toBe(true)

    const second = await createTestKey('ES256')
    server.jwks = { keys: [key.jwk, rsa.jwk, second.jwk] }
    await keys.refresh()
    const ambiguous = await settle(() => keys.getKey({ alg: 'ES256' }))
    expect(isVerifyError(ambiguous.error, 'ERR_KID_UNKNOWN')).toBe(true)
    const rsaOnly = await keys.getKey({ alg: 'RS256' })
    expect(await verifies(rsaOnly.key, await rsa.sign({ kid: null }))).toBe(true)
  })

  it('reports status and events of a load', async () => {
    const events: VerifierEvent[] = []
    const keys = cache({ onEvent: (event) => events.push(event) })
    expect(keys.status()).toEqual({ loaded: false, fresh: false, keys: 0, fetchedAt: undefined, lastError: undefined })
    const before = Date.now()
    await keys.refresh()
    const status = keys.status()
    expect(status).toMatchObject({ loaded: true, fresh: true, keys: 1, lastError: undefined })
    expect(status.fetchedAt).toBeGreaterThanOrEqual(before)
    expect(events).toContainEqual(expect.objectContaining({ type: 'jwks_fetch', source: server.url, status: 200, keys: 1 }))
    expect(events).toContainEqual({ type: 'keys_changed', source: server.url, added: [key.kid], removed: [] })
  })

  it('keeps working when the event handler throws', async () => {
    const keys = cache({
      onEvent: () => {
        throw new Error('handler failure')
      },
    })
    const resolved = await keys.getKey({ alg: 'ES256', kid: key.kid })
    expect(resolved.kid).toBe(key.kid)
  })

  it('sends the configured headers', async () => {
    const keys = cache({ headers: { 'user-agent': 'shop/1.0' } })
    await keys.refresh()
    expect(server.requests[0]?.['user-agent']).toBe('shop/1.0')
    expect(server.requests[0]?.accept).toContain('application/jwk-set+json')
  })

  it('stops background refreshes on close', async () => {
    server.cacheControl = 'max-age=1'
    const keys = harness.open({ url: server.url, algorithms: ['ES256'] })
    await keys.refresh()
    expect(harness.clock.pendingTimers).toBe(1)
    keys.close()
    expect(harness.clock.pendingTimers).toBe(0)
    await harness.advance(1300)
    expect(server.requests).toHaveLength(1)
    await expect(keys.refresh()).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' })
  })

  it('does not keep the process alive with its timers', async () => {
    server.cacheControl = 'max-age=3600'
    // A child process loads the keys, which leaves a refresh pending for an hour later, and
    // must then exit on its own: a timer that held the process would keep it running.
    const script = [
      'const { createJwksCache } = await import(process.argv[1])',
      "const keys = createJwksCache({ url: process.argv[2], algorithms: ['ES256'] })",
      'await keys.refresh()',
      'console.log(JSON.stringify(keys.status()))',
    ].join('\n')
    const built = new URL('../../dist/index.node.js', import.meta.url).href
    const child = await runNode(['--input-type=module', '-e', script, built, server.url], 15_000)
    expect(child).toMatchObject({ code: 0, killed: false })
    expect(JSON.parse(child.stdout)).toMatchObject({ loaded: true, fresh: true, keys: 1 })
    expect(server.requests).toHaveLength(1)
  }, 30_000)
})

describe('createJwksCache: options', () => {
  const algorithms = ['ES256']

  it('accepts https and plain http on loopback hosts only', () => {
    for (const url of [
      'https://id.example.com/jwks',
      'http://127.0.0.1:4343/jwks',
      'http://127.8.9.10/jwks',
      'http://localhost:4343/jwks',
      'http://[::1]:4343/jwks',
    ]) {
      const created = createJwksCache({ url, algorithms })
      expect(created.status()).toEqual({ loaded: false, fresh: false, keys: 0, fetchedAt: undefined, lastError: undefined })
      created.close()
    }
    expect(() => createJwksCache({ url: 'http://id.example.com/jwks', algorithms })).toThrow(TypeError)
    expect(() => createJwksCache({ url: 'http://10.0.0.1/jwks', algorithms })).toThrow(/https/)
    const allowed = createJwksCache({ url: 'http://id.example.com/jwks', algorithms, allowHttp: true })
    expect(allowed.status()).toMatchObject({ loaded: false, keys: 0 })
    allowed.close()
    expect(() => createJwksCache({ url: 'ftp://id.example.com/jwks', algorithms })).toThrow(TypeError)
    expect(() => createJwksCache({ url: '/jwks', algorithms })).toThrow(TypeError)
    expect(() => createJwksCache({ url: 'https://user:secret@id.example.com/jwks', algorithms })).toThrow(/credentials/)
  })

  it('refuses an empty or unknown allow-list, HMAC algs and bad durations', () => {
    const url = 'https://id.example.com/jwks'
    expect(() => createJwksCache({ url, algorithms: [] })).toThrow(TypeError)
    expect(() => createJwksCache({ url, algorithms: ['none'] })).toThrow(/not a supported/)
    expect(() => createJwksCache({ url, algorithms: ['HS256'] })).toThrow(/shared secret/)
    expect(() => createJwksCache({ url, algorithms, cooldown: 'soon' })).toThrow(/cache.cooldown/)
    expect(() => createJwksCache({ url, algorithms, timeout: 0 })).toThrow(/cache.timeout/)
    expect(() => createJwksCache({ url, algorithms, maxKeys: 0 })).toThrow(/cache.maxKeys/)
    expect(() => createJwksCache({ url, algorithms, maxResponseBytes: 1.5 })).toThrow(/maxResponseBytes/)
  })
})
