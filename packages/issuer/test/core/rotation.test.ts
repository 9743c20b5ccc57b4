import { rm } from 'node:fs/promises'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { KEY_CACHE_MAX_AGE } from '../../src/core/create-issuer.js'
import type { KeyUse } from '../../src/store/contract.js'
import { type CoreFixture, startIssuer, tempDir } from './helpers.js'

const HOUR = 3_600_000
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function fixture(options: Parameters<typeof startIssuer>[0] = {}): Promise<CoreFixture> {
  const f = await startIssuer(options)
  cleanups.push(() => f.close())
  return f
}

/** Two instances on one store file, their clocks together, with the client `shop` registered through the first. */
async function twoInstancesWithShop(): Promise<[CoreFixture, CoreFixture]> {
  const dir = await tempDir()
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  const a = await fixture({ dir })
  await a.issuer.registerClient('shop')
  const b = await fixture({ dir, adminToken: undefined as unknown as string })
  b.clock.advance(a.clock.now() - b.clock.now())
  return [a, b]
}

async function idsIn(f: CoreFixture, kid: string, use: KeyUse, state: 'current' | 'next' | 'retired'): Promise<string[]> {
  return (await f.store.listKeys({ clientKid: kid, states: [state] })).filter((key) => key.use === use).map((key) => key.id)
}

function kidOf(token: string): string {
  return String(decodeProtectedHeader(token).kid)
}

function generated(f: CoreFixture, use: KeyUse): number {
  return f.logs.filter((line) => line.startsWith(`generated a ${use} key`)).length
}

describe('scheduled rotation', () => {
  it('publishes the next key before it signs, and keeps the retired one published while its tokens live', async () => {
    const f = await fixture()
    await f.issuer.registerClient('shop', { keyExpiry: HOUR })
    const [current] = await idsIn(f, 'shop', 'sig', 'current')
    const [next] = await idsIn(f, 'shop', 'sig', 'next')
    const before = await f.issuer.jwks('shop')
    expect(before.keys.map((key) => key.kid)).toEqual([current, next])
    expect(before.keys.every((key) => key.use === 'sig' && !('d' in key))).toBe(true)

    const issuedAt = f.clock.now()
    const old = await f.issuer.issue('shop', { claims: { sub: 'u' } })
    expect(kidOf(old.accessToken)).toBe(current)

    f.clock.advance(HOUR)
    // The token path notices the due rotation and promotes in the background.
    await f.issuer.issue('shop', { claims: { sub: 'u' } })
    await vi.waitFor(async () => expect(await idsIn(f, 'shop', 'sig', 'current')).toEqual([next]), { timeout: 10_000 })
    const fresh = await f.issuer.issue('shop', { claims: { sub: 'u' } })
    expect(kidOf(fresh.accessToken)).toBe(next)
    // The key that signs now was in the JWKS fetched before the rotation.
    expect(before.keys.map((key) => key.kid)).toContain(kidOf(fresh.accessToken))

    // A token signed before the rotation still verifies against the JWKS served after it.
    const after = await f.issuer.jwks('shop')
    expect(after.keys.map((key) => key.kid)).toContain(current)
    await jwtVerify(old.accessToken, createLocalJWKSet(after), { issuer: 'JWTIS', currentDate: new Date(issuedAt) })
    // Its refresh token, encrypted to the now retired encryption key, still renews.
    expect((await f.issuer.renew('shop', old.refreshToken)).id).toBe(old.id)

    // A fresh next key is made, once per use, and published.
    await vi.waitFor(async () => expect(await idsIn(f, 'shop', 'sig', 'next')).toHaveLength(1), { timeout: 10_000 })
    await vi.waitFor(async () => expect(await idsIn(f, 'shop', 'enc', 'next')).toHaveLength(1), { timeout: 10_000 })
    const [newNext] = await idsIn(f, 'shop', 'sig', 'next')
    // The key cache reloads just after the new row is written: the JWKS shows it a moment later.
    await vi.waitFor(
      async () => expect((await f.issuer.jwks('shop')).keys.map((key) => key.kid)).toEqual([next, newNext, current]),
      { timeout: 10_000 },
    )

    // Once nothing it signed can be valid (family lifetime + margin), the retired key leaves.
    f.clock.advance(720 * HOUR + 61_000)
    const late = await f.issuer.jwks('shop')
    expect(late.keys.map((key) => key.kid)).not.toContain(current)
  })

  it('generates each new key once under ten concurrent requests that find the rotation due', async () => {
    const dir = await tempDir()
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const f = await startIssuer({ dir })
    await f.issuer.registerClient('shop', { keyExpiry: HOUR })
    const [oldCurrent] = await idsIn(f, 'shop', 'sig', 'current')
    f.clock.advance(HOUR + 1000)
    await Promise.all(Array.from({ length: 10 }, () => f.issuer.issue('shop', { claims: { sub: 'u' } })))
    // close() waits for every background task to settle.
    await f.close()
    expect(generated(f, 'sig')).toBe(1)
    expect(generated(f, 'enc')).toBe(1)
    const rotations = f.logs.filter((line) => line.startsWith('rotated the')).length
    expect(rotations).toBe(2)

    const reopened = await fixture({ dir, adminToken: undefined as unknown as string })
    for (const use of ['sig', 'enc'] as const) {
      expect(await idsIn(reopened, 'shop', use, 'current')).toHaveLength(1)
      expect(await idsIn(reopened, 'shop', use, 'next')).toHaveLength(1)
      expect(await idsIn(reopened, 'shop', use, 'retired')).toHaveLength(1)
    }
    expect(await idsIn(reopened, 'shop', 'sig', 'retired')).toEqual([oldCurrent])
  })

  it('makes a missing next key once under ten concurrent requests', async () => {
    const dir = await tempDir()
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const setup = await startIssuer({ dir })
    await setup.issuer.registerClient('shop')
    // Another instance rotated, then stopped before making the new next keys.
    for (const use of ['sig', 'enc'] as const) {
      const [current] = await idsIn(setup, 'shop', use, 'current')
      const [next] = await idsIn(setup, 'shop', use, 'next')
      const at = setup.clock.now()
      const rotated = await setup.store.rotateKeys({
        clientKid: 'shop',
        use,
        expectCurrentId: current!,
        promoteId: next!,
        activatedAt: at,
        expiresAt: at + HOUR,
        retireUntil: at + HOUR,
        publishUntil: at + HOUR,
      })
      expect(rotated).toBe(true)
    }
    await setup.store.close()

    const f = await startIssuer({ dir, adminToken: undefined as unknown as string })
    await Promise.all(Array.from({ length: 10 }, () => f.issuer.issue('shop', { claims: { sub: 'u' } })))
    await f.issuer.close()
    expect(generated(f, 'sig')).toBe(1)
    expect(generated(f, 'enc')).toBe(1)
    const check = await fixture({ dir, adminToken: undefined as unknown as string })
    for (const use of ['sig', 'enc'] as const) expect(await idsIn(check, 'shop', use, 'next')).toHaveLength(1)
  })

  it('rotates once among two instances that both find it due', async () => {
    const dir = await tempDir()
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const a = await startIssuer({ dir })
    const b = await startIssuer({ dir, adminToken: undefined as unknown as string })
    await a.issuer.registerClient('shop', { keyExpiry: HOUR })
    for (const f of [a, b]) f.clock.advance(HOUR + 1000)
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).issuer.issue('shop', { claims: { sub: 'u' } })),
    )
    await a.issuer.close()
    await b.issuer.close()
    expect(generated(a, 'sig') + generated(b, 'sig')).toBe(1)
    const check = await fixture({ dir, adminToken: undefined as unknown as string })
    for (const use of ['sig', 'enc'] as const) {
      expect(await idsIn(check, 'shop', use, 'next')).toHaveLength(1)
      expect(await idsIn(check, 'shop', use, 'retired')).toHaveLength(1)
    }
  })

  it('is done by the background pass without any request', async () => {
    const dir = await tempDir()
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const setup = await startIssuer({ dir })
    await setup.issuer.registerClient('shop', { keyExpiry: HOUR })
    const [next] = await idsIn(setup, 'shop', 'sig', 'next')
    await setup.issuer.close()

    const f = await fixture({ dir, adminToken: undefined as unknown as string, maintenanceInterval: 1000 })
    f.clock.advance(setup.clock.now() - f.clock.now() + HOUR + 1000)
    await vi.waitFor(async () => expect(await idsIn(f, 'shop', 'sig', 'current')).toEqual([next]), { timeout: 10_000 })
    await vi.waitFor(async () => expect(await idsIn(f, 'shop', 'sig', 'next')).toHaveLength(1), { timeout: 10_000 })
  })
})

describe('rotation on request', () => {
  it('promotes the next key, retires the current one and makes a new next', async () => {
    const f = await fixture()
    const registered = await f.issuer.registerClient('shop')
    const [next] = await idsIn(f, 'shop', 'sig', 'next')
    const [encNext] = await idsIn(f, 'shop', 'enc', 'next')
    const pair = await f.issuer.issue('shop', { claims: { sub: 'u' } })

    const rotated = await f.issuer.rotateKeys('shop')
    expect(rotated.pubSigKey.kid).toBe(next)
    expect(rotated.pubEncKey.kid).toBe(encNext)
    expect(rotated.expiry).toBe(Math.floor((f.clock.now() + 4320 * HOUR) / 1000))
    expect(await idsIn(f, 'shop', 'sig', 'retired')).toEqual([registered.pubSigKey.kid])
    const retired = (await f.store.listKeys({ clientKid: 'shop', states: ['retired'] })).find((key) => key.use === 'sig')
    expect(retired?.retireUntil).toBe(f.clock.now() + 720 * HOUR + 60_000)

    // Tokens issued before keep working; new ones use the new keys.
    expect((await f.issuer.renew('shop', pair.refreshToken)).id).toBe(pair.id)
    expect(kidOf((await f.issuer.issue('shop', { claims: { sub: 'u' } })).accessToken)).toBe(next)

    // A second rotation right away waits for the new next key and promotes it.
    const again = await f.issuer.rotateKeys('shop')
    expect(again.pubSigKey.kid).not.toBe(next)
    expect(await idsIn(f, 'shop', 'sig', 'retired')).toHaveLength(2)
    expect(generated(f, 'sig')).toBe(1)
  })

  it("is seen by another instance when it meets the new keys' ids", async () => {
    const [a, b] = await twoInstancesWithShop()
    await b.issuer.getKeys('shop') // b caches the keys as they are

    await a.issuer.rotateKeys('shop')
    const pair = await a.issuer.issue('shop', { claims: { sub: 'u' } })
    // b has not seen the rotation, yet decrypts a token made for the new encryption key.
    expect((await b.issuer.renew('shop', pair.refreshToken)).id).toBe(pair.id)
  })
})

describe('rotation by another instance', () => {
  it('is signed with and published by this instance within twice the key cache lifetime', async () => {
    const [a, b] = await twoInstancesWithShop()
    const before = await b.issuer.issue('shop', { claims: { sub: 'u' } })

    const rotated = await a.issuer.rotateKeys('shop')
    expect(kidOf(before.accessToken)).not.toBe(rotated.pubSigKey.kid)
    b.clock.advance(2 * KEY_CACHE_MAX_AGE)
    const after = await b.issuer.issue('shop', { claims: { sub: 'u' } })
    expect(kidOf(after.accessToken)).toBe(rotated.pubSigKey.kid)
    expect((await b.issuer.jwks('shop')).keys.map((key) => key.kid).sort()).toEqual(
      (await a.issuer.jwks('shop')).keys.map((key) => key.kid).sort(),
    )
  })
})

describe('jwks', () => {
  it('lists every client in allJwks, and a cache lifetime that fits the shortest rotation', async () => {
    const f = await fixture()
    expect(f.issuer.jwksMaxAge()).toBe(300)
    await f.issuer.registerClient('a')
    await f.issuer.registerClient('b', { keyExpiry: 60_000 })
    expect(f.issuer.jwksMaxAge()).toBe(6)
    const all = await f.issuer.allJwks()
    const own = [...(await f.issuer.jwks('a')).keys, ...(await f.issuer.jwks('b')).keys].map((key) => key.kid)
    expect(all.keys.map((key) => key.kid).sort()).toEqual(own.sort())
    expect(all.keys).toHaveLength(4)
    for (const key of all.keys) expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'])
  })
})
