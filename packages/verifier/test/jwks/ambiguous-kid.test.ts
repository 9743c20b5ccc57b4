/**
 * Two usable keys under one kid: the kid is ambiguous, and a lookup naming it fails with
 * `ERR_KID_AMBIGUOUS` whichever key signed and whatever the document's order; the other
 * kids of the document keep working, and keys without a kid keep their own rule.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { isVerifyError } from '../../src/errors.js'
import { createJwksCache, createStaticKeySet } from '../../src/jwks/index.js'
import type { JsonWebKeyLike } from '../../src/jwk-types.js'
import type { JwksCache } from '../../src/jwks/types.js'
import type { KeySource } from '../../src/key-source.js'
import { type JwksServer, startJwksServer } from '../helpers/jwks-server.js'
import { createTestKey, type TestKey, verifies } from '../helpers/keys.js'
import { settle } from '../helpers/settle.js'

let server: JwksServer | undefined
let cache: JwksCache | undefined

afterEach(async () => {
  cache?.close()
  cache = undefined
  await server?.close()
  server = undefined
})

async function fetched(document: { keys: unknown[] }, algorithms = ['ES256', 'RS256']): Promise<JwksCache> {
  server = await startJwksServer(document)
  cache = createJwksCache({ url: server.url, algorithms })
  await cache.refresh()
  return cache
}

async function expectAmbiguous(source: KeySource, kid: string, alg = 'ES256'): Promise<void> {
  const outcome = await settle(() => source.getKey({ alg, kid }))
  expect(outcome.sync).toBe(true)
  expect(isVerifyError(outcome.error, 'ERR_KID_AMBIGUOUS'), String(outcome.error)).toBe(true)
}

async function expectServes(source: KeySource, key: TestKey): Promise<void> {
  const resolved = await source.getKey({ alg: key.alg, kid: key.kid })
  expect(await verifies(resolved.key, await key.sign())).toBe(true)
}

describe('ambiguous kids', () => {
  it('refuses a kid listed for two keys, in either order, without a refetch; other kids still work', async () => {
    const first = await createTestKey('ES256', 'shared')
    const second = await createTestKey('ES256', 'shared')
    const other = await createTestKey('ES256', 'other')
    for (const order of [
      [first, second],
      [second, first],
    ]) {
      const held = await fetched({ keys: [...order.map((key) => key.jwk), other.jwk] })
      await expectAmbiguous(held, 'shared')
      await expectAmbiguous(held, 'shared')
      await expectServes(held, other)
      expect(server!.requests).toHaveLength(1)
      expect(held.status()).toMatchObject({ loaded: true, keys: 1 })
      held.close()
      await server!.close()
      server = undefined
    }
  })

  it('refuses a kid shared by keys of different types, for each alg', async () => {
    const ec = await createTestKey('ES256', 'mixed')
    const rsa = await createTestKey('RS256', 'mixed')
    const held = await fetched({ keys: [ec.jwk, rsa.jwk] })
    await expectAmbiguous(held, 'mixed', 'ES256')
    await expectAmbiguous(held, 'mixed', 'RS256')
  })

  it('keeps the same key listed twice under its kid as one key', async () => {
    const key = await createTestKey('ES256', 'twice')
    const held = await fetched({ keys: [key.jwk, { ...key.jwk }] })
    await expectServes(held, key)
    expect(held.status().keys).toBe(1)
  })

  it('counts the keys of an ambiguous kid for a token without a kid', async () => {
    const first = await createTestKey('ES256', 'shared')
    const second = await createTestKey('ES256', 'shared')
    const held = await fetched({ keys: [first.jwk, second.jwk] })
    const outcome = await settle(() => held.getKey({ alg: 'ES256' }))
    expect(isVerifyError(outcome.error, 'ERR_KID_UNKNOWN')).toBe(true)
    expect(String((outcome.error as Error).message)).toMatch(/several keys/)
  })

  it('never calls two keys without a kid ambiguous: they serve no kid, and no token without one', async () => {
    const a = await createTestKey('ES256')
    const b = await createTestKey('ES256')
    const named = await createTestKey('RS256', 'rsa')
    const withoutKid = (key: TestKey): JsonWebKeyLike => {
      const { kid: _kid, ...jwk } = key.jwk
      return jwk as JsonWebKeyLike
    }
    const held = await fetched({ keys: [withoutKid(a), withoutKid(b), named.jwk] })
    expect(held.status().keys).toBe(3)
    await expectServes(held, named)
    const kidless = await settle(() => held.getKey({ alg: 'ES256' }))
    expect(isVerifyError(kidless.error, 'ERR_KID_UNKNOWN')).toBe(true)
    const resolved = await held.getKey({ alg: 'RS256' })
    expect(await verifies(resolved.key, await named.sign({ kid: null }))).toBe(true)
  })

  it('tells removal listeners that a kid became ambiguous, and takes it back once it names one key', async () => {
    const first = await createTestKey('ES256', 'shared')
    const second = await createTestKey('ES256', 'shared')
    const held = await fetched({ keys: [first.jwk] })
    const removed: string[][] = []
    held.onKeysRemoved?.((kids) => removed.push([...kids]))
    await expectServes(held, first)

    server!.jwks = { keys: [first.jwk, second.jwk] }
    await held.refresh()
    expect(removed).toEqual([['shared']])
    await expectAmbiguous(held, 'shared')

    server!.jwks = { keys: [second.jwk] }
    await held.refresh()
    await expectServes(held, second)
    expect(await verifies((await held.getKey({ alg: 'ES256', kid: 'shared' })).key, await first.sign())).toBe(false)
  })

  it('applies the same rule to a JWKS given in code', async () => {
    const first = await createTestKey('ES256', 'shared')
    const second = await createTestKey('ES256', 'shared')
    const other = await createTestKey('ES256', 'other')
    const source = createStaticKeySet({ keys: [first.jwk, second.jwk, other.jwk] as JsonWebKeyLike[] }, { algorithms: ['ES256'] })
    await source.ready
    await expectAmbiguous(source, 'shared')
    await expectServes(source, other)
  })
})
