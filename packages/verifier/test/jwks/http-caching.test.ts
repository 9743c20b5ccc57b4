import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { VerifierEvent } from '../../src/events.js'
import { createJwksCache } from '../../src/jwks/index.js'
import type { JwksCache } from '../../src/jwks/types.js'
import { type JwksServer, startJwksServer } from './jwks-server.js'
import { createTestKey, settle, sleep, type TestKey, until, verifies } from './test-keys.js'

let server: JwksServer
let key: TestKey
let keys: JwksCache | undefined
let events: VerifierEvent[]

function cache(options: Partial<Parameters<typeof createJwksCache>[0]> = {}): JwksCache {
  keys = createJwksCache({
    url: server.url,
    algorithms: ['ES256'],
    cooldown: 200,
    onEvent: (event) => events.push(event),
    ...options,
  })
  return keys
}

beforeEach(async () => {
  key = await createTestKey('ES256')
  server = await startJwksServer({ keys: [key.jwk] })
  events = []
})

afterEach(async () => {
  keys?.close()
  keys = undefined
  await server.close()
})

describe('createJwksCache: HTTP caching', () => {
  it('keeps keys fresh for the max-age of the response rather than the default max age', async () => {
    server.cacheControl = 'max-age=3600'
    const withHeader = cache({ maxAge: 300 })
    await withHeader.refresh()
    await sleep(700)
    expect(server.requests).toHaveLength(1)
    expect(withHeader.status().fresh).toBe(true)
  })

  it('falls back to the default max age without Cache-Control, refreshing in the background', async () => {
    const withoutHeader = cache({ maxAge: 300 })
    await withoutHeader.refresh()
    await until(() => events.filter((event) => event.type === 'jwks_fetch').length >= 2)
    expect(server.requests.length).toBeGreaterThanOrEqual(2)
    expect(withoutHeader.status()).toMatchObject({ loaded: true, keys: 1 })
  })

  it('refreshes ahead of a short max-age, while lookups never wait', async () => {
    server.cacheControl = 'max-age=1'
    const short = cache()
    await short.refresh()
    while (server.requests.length < 3) {
      const outcome = await settle(() => short.getKey({ alg: 'ES256', kid: key.kid }))
      expect(outcome.sync).toBe(true)
      await sleep(20)
    }
    expect(events.filter((event) => event.type === 'stale_served')).toHaveLength(0)
    expect(short.status().fresh).toBe(true)
  }, 10_000)

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
    await until(() => server.requests.length >= 2)
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
    await until(() => events.some((event) => event.type === 'jwks_fetch' && event.status === 304))
    expect(server.notModified).toBeGreaterThanOrEqual(1)
    expect(server.requests[1]?.['if-none-match']).toMatch(/^".+"$/)
    expect(events).toContainEqual(expect.objectContaining({ type: 'jwks_fetch', status: 304, keys: 1 }))
    const resolved = await settle(() => revalidating.getKey({ alg: 'ES256', kid: key.kid }))
    expect(resolved.sync).toBe(true)
    expect(await verifies(resolved.value!.key, await key.sign())).toBe(true)
    expect(importedFor).toEqual([`${key.kid}/ES256`])

    const rotated = await createTestKey('ES256')
    server.jwks = { keys: [key.jwk, rotated.jwk] }
    const okBefore = server.requests.length
    await until(() => server.requests.length > okBefore && revalidating.status().keys === 2)
    expect(events).toContainEqual({ type: 'keys_changed', source: server.url, added: [rotated.kid], removed: [] })
    expect(importedFor).toEqual([`${key.kid}/ES256`, `${rotated.kid}/ES256`])
  }, 10_000)
})
