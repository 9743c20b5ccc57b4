import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { VerifierEvent } from '../../src/events.js'
import type { createJwksCache } from '../../src/jwks/index.js'
import type { JwksCache } from '../../src/jwks/types.js'
import { type CacheHarness, createCacheHarness } from '../helpers/cache-harness.js'
import { type JwksServer, startJwksServer } from '../helpers/jwks-server.js'
import { createTestKey, type TestKey, verifies } from '../helpers/keys.js'
import { settle } from '../helpers/settle.js'

let server: JwksServer
let key: TestKey
let harness: CacheHarness
let events: VerifierEvent[]

function cache(options: Partial<Parameters<typeof createJwksCache>[0]> = {}): JwksCache {
  return harness.open({ url: server.url, algorithms: ['ES256'], cooldown: 200, ...options })
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

describe('createJwksCache: HTTP caching', () => {
  it('keeps keys fresh for the max-age of the response rather than the default max age', async () => {
    server.cacheControl = 'max-age=3600'
    const withHeader = cache({ maxAge: 300 })
    await withHeader.refresh()
    await harness.advance(700)
    expect(server.requests).toHaveLength(1)
    expect(withHeader.status().fresh).toBe(true)
  })

  it('falls back to the default max age without Cache-Control, refreshing in the background', async () => {
    const withoutHeader = cache({ maxAge: 300 })
    await withoutHeader.refresh()
    // Fresh for 300 ms, refreshed a fifth of that ahead: at 240 ms, then 480 ms.
    await harness.advance(239)
    expect(server.requests).toHaveLength(1)
    await harness.advance(1)
    expect(events.filter((event) => event.type === 'jwks_fetch')).toHaveLength(2)
    expect(server.requests).toHaveLength(2)
    await harness.advance(240)
    expect(server.requests).toHaveLength(3)
    expect(withoutHeader.status()).toMatchObject({ loaded: true, fresh: true, keys: 1 })
  })

  it('refreshes ahead of a short max-age, while lookups never wait', async () => {
    server.cacheControl = 'max-age=1'
    const short = cache()
    await short.refresh()
    // Fresh for 1 s, refreshed at 0.8 s, then every 0.8 s: the third request at 1.6 s.
    for (let elapsed = 0; elapsed < 1600; elapsed += 20) {
      const outcome = await settle(() => short.getKey({ alg: 'ES256', kid: key.kid }))
      expect(outcome.sync).toBe(true)
      await harness.advance(20)
    }
    expect(server.requests).toHaveLength(3)
    expect(events.filter((event) => event.type === 'stale_served')).toHaveLength(0)
    expect(short.status().fresh).toBe(true)
  })

  it('honours max-age=0 as one second, not as a refetch per lookup', async () => {
    server.cacheControl = 'max-age=0'
    const zero = cache()
    await zero.refresh()
    for (let i = 0; i < 100; i++) await zero.getKey({ alg: 'ES256', kid: key.kid })
    expect(server.requests).toHaveLength(1)
    expect(zero.status().fresh).toBe(true)
  })

  it('refetches at the next window for no-store', async () => {
    server.cacheControl = 'no-store'
    const noStore = cache({ maxAge: '1h' })
    await noStore.refresh()
    // no-store: fresh until the next window (at least 1 s), refreshed a fifth ahead (0.8 s).
    await harness.advance(799)
    expect(server.requests).toHaveLength(1)
    await harness.advance(1)
    expect(server.requests).toHaveLength(2)
    const resolved = await noStore.getKey({ alg: 'ES256', kid: key.kid })
    expect(await verifies(resolved.key, await key.sign())).toBe(true)
  })

  it('revalidates with If-None-Match and keeps the keys on 304', async () => {
    server.etags = true
    server.cacheControl = 'max-age=1'
    const importedFor: string[] = []
    const revalidating = cache({
      importKey: async (jwk, alg) => {
        importedFor.push(`${jwk.kid}/${alg}`)
        const { importJWK } = await import('jose')
        return importJWK(jwk, alg)
      },
    })
    await revalidating.refresh()
    expect(server.requests[0]?.['if-none-match']).toBeUndefined()
    await harness.advance(800)
    expect(events.filter((event) => event.type === 'jwks_fetch' && event.status === 304)).toHaveLength(1)
    expect(server.notModified).toBe(1)
    expect(server.requests[1]?.['if-none-match']).toMatch(/^".+"$/)
    expect(events).toContainEqual(expect.objectContaining({ type: 'jwks_fetch', status: 304, keys: 1 }))
    const resolved = await settle(() => revalidating.getKey({ alg: 'ES256', kid: key.kid }))
    expect(resolved.sync).toBe(true)
    expect(await verifies(resolved.value!.key, await key.sign())).toBe(true)
    expect(importedFor).toEqual([`${key.kid}/ES256`])

    const rotated = await createTestKey('ES256')
    server.jwks = { keys: [key.jwk, rotated.jwk] }
    await harness.advance(800)
    expect(server.requests).toHaveLength(3)
    expect(revalidating.status().keys).toBe(2)
    expect(events).toContainEqual({ type: 'keys_changed', source: server.url, added: [rotated.kid], removed: [] })
    expect(importedFor).toEqual([`${key.kid}/ES256`, `${rotated.kid}/ES256`])
  })
})
