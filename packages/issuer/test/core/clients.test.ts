import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClientSettings } from '../../src/core/types.js'
import { type CoreFixture, rejectionOf, startIssuer } from './helpers.js'

let f: CoreFixture
beforeAll(async () => {
  f = await startIssuer()
})
afterAll(async () => {
  await f.close()
})

async function refusal(kid: string, settings: ClientSettings): Promise<Error & { code?: string }> {
  return rejectionOf(f.issuer.registerClient(kid, settings))
}

describe('registration', () => {
  it('answers the current public keys and the client token, once', async () => {
    const answer = await f.issuer.registerClient('shop')
    expect(answer.kid).toBe('shop')
    expect(answer.clientToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(answer.pubSigKey).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
    expect(answer.pubEncKey).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ECDH-ES+A256KW', use: 'enc' })
    for (const jwk of [answer.pubSigKey, answer.pubEncKey]) expect(jwk).not.toHaveProperty('d')
    expect(answer.expiry).toBe(Math.floor((f.clock.now() + 4320 * 3_600_000) / 1000))
    expect(answer.valid).toBe(true)

    const keys = await f.issuer.getKeys('shop')
    expect(keys).toEqual({ ...answer, clientToken: undefined, kid: 'shop' } as unknown as typeof keys)
    expect(keys).not.toHaveProperty('clientToken')

    // Current and next of each use, private halves sealed.
    const stored = await f.store.listKeys({ clientKid: 'shop' })
    expect(stored.map((key) => `${key.use}:${key.state}`).sort()).toEqual([
      'enc:current',
      'enc:next',
      'sig:current',
      'sig:next',
    ])
    for (const key of stored) expect(key.sealedPrivate).not.toMatch(/"d"/)
  })

  it('refuses a kid that exists with client_exists', async () => {
    await f.issuer.registerClient('twice')
    const err = await refusal('twice', {})
    expect(err.code).toBe('client_exists')
  })

  it('refuses kids that cannot name a client', async () => {
    for (const kid of ['', 'a b', 'a/b', '..', '.', 'x'.repeat(129), 'é']) {
      const err = await refusal(kid, {})
      expect(err.code, kid).toBe('invalid_request')
    }
    expect((await f.issuer.registerClient('A-z_0.9~')).kid).toBe('A-z_0.9~')
  })

  it('refuses RSA1_5 and says why', async () => {
    const err = await refusal('legacy', { encAlg: 'RSA1_5' })
    expect(err.code).toBe('invalid_request')
    expect(err.message).toMatch(/RSA1_5/)
    expect(err.message).toMatch(/padding-oracle|Bleichenbacher/)
  })

  it('refuses a bit size that does not fit the alg, naming the allowed sizes', async () => {
    const rsa = await refusal('weak', { sigAlg: 'RS256', sigBits: 1024 })
    expect(rsa.code).toBe('invalid_request')
    expect(rsa.message).toMatch(/2048, 3072 or 4096/)
    const ec = await refusal('weak', { encAlg: 'ECDH-ES', encBits: 300 })
    expect(ec.message).toMatch(/256, 384 or 521/)
    const es = await refusal('weak', { sigAlg: 'ES384', sigBits: 256 })
    expect(es.message).toMatch(/384/)
  })

  it('refuses unknown algs and encryptions, listing the supported ones', async () => {
    expect((await refusal('x', { sigAlg: 'HS256' })).message).toMatch(/ES256/)
    expect((await refusal('x', { encAlg: 'dir' })).message).toMatch(/RSA-OAEP-256/)
    expect((await refusal('x', { contEnc: 'A128CBC-HS256' })).message).toMatch(/A256GCM/)
  })

  it('refuses lifetimes out of bounds and unknown strategies', async () => {
    const cases: [ClientSettings, RegExp][] = [
      [{ authTTL: 0 }, /auth_ttl/],
      [{ authTTL: -5 }, /auth_ttl/],
      [{ authTTL: 1.5 }, /auth_ttl/],
      [{ authTTL: 721 * 3_600_000 }, /auth_ttl/],
      [{ refreshTTL: 500 }, /refresh_ttl/],
      [{ keyExpiry: 1000 }, /expiry/],
      [{ keyExpiry: 87_601 * 3_600_000 }, /expiry/],
      [{ refreshTTL: 800 * 3_600_000 }, /family maximum/],
      [{ refreshStrategy: 'sometimes' as never }, /refreshBoth, refreshOnExpire, noRefresh/],
      [{ audience: '' }, /audience/],
      [{ sigAlg: 5 as unknown as string }, /sig_alg/],
    ]
    for (const [settings, message] of cases) {
      const err = await refusal('bounds', settings)
      expect(err.code, JSON.stringify(settings)).toBe('invalid_request')
      expect(err.message).toMatch(message)
    }
    expect(await f.store.getClient('bounds')).toBeUndefined()
  })

  it('keeps the settings given and fills the rest from the defaults', async () => {
    await f.issuer.registerClient('custom', {
      sigAlg: 'PS384',
      encAlg: 'RSA-OAEP-256',
      encBits: 3072,
      contEnc: 'A128GCM',
      authTTL: 60_000,
      refreshStrategy: 'noRefresh',
      audience: 'api.example.com',
    })
    const listed = (await f.issuer.listClients()).find((client) => client.kid === 'custom')
    expect(listed?.config).toMatchObject({
      sigAlg: 'PS384',
      encAlg: 'RSA-OAEP-256',
      encBits: 3072,
      contEnc: 'A128GCM',
      authTTL: 60_000,
      refreshTTL: 72 * 3_600_000,
      familyTTL: 720 * 3_600_000,
      refreshStrategy: 'noRefresh',
      audience: 'api.example.com',
    })
    // A different alg does not inherit the default curve size.
    expect(listed?.config.sigBits).toBeUndefined()
    const keys = await f.issuer.getKeys('custom')
    expect(keys.pubEncKey).toMatchObject({ kty: 'RSA', alg: 'RSA-OAEP-256' })
    expect(Buffer.from(String(keys.pubEncKey['n']), 'base64url').length * 8).toBe(3072)
  })

  it('removes a client with its keys; unknown clients are not found', async () => {
    await f.issuer.registerClient('gone')
    expect(await f.issuer.removeClient('gone')).toBe(true)
    expect(await f.issuer.removeClient('gone')).toBe(false)
    expect(await f.store.listKeys({ clientKid: 'gone' })).toEqual([])
    for (const call of [f.issuer.getKeys('gone'), f.issuer.jwks('gone'), f.issuer.rotateKeys('gone')]) {
      expect((await rejectionOf(call)).code).toBe('not_found')
    }
  })
})
