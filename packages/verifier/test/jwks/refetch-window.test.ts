import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isVerifyError } from '../../src/errors.js'
import type { VerifierEvent } from '../../src/events.js'
import type { JwksCache } from '../../src/jwks/types.js'
import { type CacheHarness, createCacheHarness } from '../helpers/cache-harness.js'
import { type JwksServer, startJwksServer } from '../helpers/jwks-server.js'
import { createTestKey, randomKid, type TestKey, verifies } from '../helpers/keys.js'
import { settle } from '../helpers/settle.js'

const COOLDOWN_MS = 200

let server: JwksServer
let key: TestKey
let keys: JwksCache
let events: VerifierEvent[]
let harness: CacheHarness

beforeEach(async () => {
  key = await createTestKey('ES256')
  server = await startJwksServer({ keys: [key.jwk] })
  server.cacheControl = 'max-age=3600'
  harness = createCacheHarness()
  events = harness.events
  keys = harness.open({ url: server.url, algorithms: ['ES256'], cooldown: COOLDOWN_MS, negativeTtl: '1h' })
  await keys.refresh()
})

afterEach(async () => {
  harness.close()
  await server.close()
})

describe('createJwksCache: refetch window for unknown kids', () => {
  it('makes one request per window for 10 000 forged kids while a held kid keeps resolving synchronously', async () => {
    const started = harness.clock.now()
    const forged: Promise<{ error?: unknown }>[] = []
    let heldLookups = 0
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 1000; i++) {
        forged.push(settle(() => keys.getKey({ alg: 'ES256', kid: randomKid() })))
        if (i % 100 === 0) {
          const held = await settle(() => keys.getKey({ alg: 'ES256', kid: key.kid }))
          expect(held.sync).toBe(true)
          expect(held.value?.kid).toBe(key.kid)
          heldLookups++
        }
      }
      await harness.advance(COOLDOWN_MS / 2)
    }
    const outcomes = await Promise.all(forged)
    const windows = (harness.clock.now() - started) / COOLDOWN_MS
    expect(windows).toBe(5)

    expect(outcomes).toHaveLength(10_000)
    expect(outcomes.every((outcome) => isVerifyError(outcome.error, 'ERR_KID_UNKNOWN'))).toBe(true)
    expect(heldLookups).toBe(100)
    // The warm-up request, then one per window: each at a window's opening, scheduled by the
    // throttled misses of the window before.
    expect(server.requests.length - 1).toBe(windows)
    expect(events.filter((event) => event.type === 'jwks_fetch')).toHaveLength(windows + 1)
    expect(events.some((event) => event.type === 'refetch_throttled')).toBe(true)
    const held = await keys.getKey({ alg: 'ES256', kid: key.kid })
    expect(await verifies(held.key, await key.sign())).toBe(true)
  })

  it('fails at once while the window is closed, then accepts a newly published kid on the first request once it opens', async () => {
    const rotated = await createTestKey('ES256')
    server.jwks = { keys: [key.jwk, rotated.jwk] }

    const early = await settle(() => keys.getKey({ alg: 'ES256', kid: rotated.kid }))
    expect(early.sync).toBe(true)
    expect(isVerifyError(early.error, 'ERR_KID_UNKNOWN')).toBe(true)
    expect(server.requests).toHaveLength(1)
    expect(events).toContainEqual({ type: 'refetch_throttled', source: server.url, kid: rotated.kid })

    await harness.advance(COOLDOWN_MS + 50)
    const accepted = await keys.getKey({ alg: 'ES256', kid: rotated.kid })
    expect(await verifies(accepted.key, await rotated.sign())).toBe(true)
    expect(server.requests).toHaveLength(2)
  })

  it('lets an unknown kid trigger a refetch once the window is open, and the refetch brings the new key', async () => {
    await harness.advance(COOLDOWN_MS + 50)
    const rotated = await createTestKey('ES256')
    server.jwks = { keys: [key.jwk, rotated.jwk] }
    const outcome = await settle(() => keys.getKey({ alg: 'ES256', kid: rotated.kid }))
    expect(outcome.sync).toBe(false)
    expect(await verifies(outcome.value!.key, await rotated.sign())).toBe(true)
    expect(server.requests).toHaveLength(2)
    expect(events).toContainEqual({ type: 'keys_changed', source: server.url, added: [rotated.kid], removed: [] })
  })

  it('remembers a kid a refetch proved unknown, so repeating it never takes the window a real rotation needs', async () => {
    await harness.advance(COOLDOWN_MS + 50)
    const forgedKid = randomKid()
    const first = await settle(() => keys.getKey({ alg: 'ES256', kid: forgedKid }))
    expect(isVerifyError(first.error, 'ERR_KID_UNKNOWN')).toBe(true)
    expect(server.requests).toHaveLength(2)

    await harness.advance(COOLDOWN_MS + 50)
    for (let i = 0; i < 1000; i++) {
      const repeated = await settle(() => keys.getKey({ alg: 'ES256', kid: forgedKid }))
      expect(repeated.sync).toBe(true)
      expect(isVerifyError(repeated.error, 'ERR_KID_UNKNOWN')).toBe(true)
    }
    expect(server.requests).toHaveLength(2)

    const rotated = await createTestKey('ES256')
    server.jwks = { keys: [key.jwk, rotated.jwk] }
    const accepted = await keys.getKey({ alg: 'ES256', kid: rotated.kid })
    expect(await verifies(accepted.key, await rotated.sign())).toBe(true)
    expect(server.requests).toHaveLength(3)
  })

  it('refetches at the window opening after a throttled miss, so a key published meanwhile is held before it is asked for again', async () => {
    const rotated = await createTestKey('ES256')
    const throttled = await settle(() => keys.getKey({ alg: 'ES256', kid: rotated.kid }))
    expect(isVerifyError(throttled.error, 'ERR_KID_UNKNOWN')).toBe(true)
    server.jwks = { keys: [key.jwk, rotated.jwk] }
    await harness.advance(COOLDOWN_MS * 3)
    expect(server.requests).toHaveLength(2)
    const held = await settle(() => keys.getKey({ alg: 'ES256', kid: rotated.kid }))
    expect(held.sync).toBe(true)
    expect(await verifies(held.value!.key, await rotated.sign())).toBe(true)
  })

  it('reports misses', async () => {
    await settle(() => keys.getKey({ alg: 'ES256', kid: 'x'.repeat(5000) }))
    const miss = events.find((event) => event.type === 'kid_miss')
    expect(miss).toMatchObject({ type: 'kid_miss', source: server.url })
    expect(miss?.type === 'kid_miss' && miss.kid?.length).toBeLessThanOrEqual(128)
  })
})
