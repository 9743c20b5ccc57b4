/**
 * Refresh tokens made by jose, an independent JOSE implementation, with the client's own
 * keys: the issuer's decrypt-then-verify path must accept exactly what jose makes right, for
 * every kind of key, and refuse what it makes wrong.
 */
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { CompactEncrypt, CompactSign, importJWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keySealingLabel } from '../../src/core/key-material.js'
import type { ClientSettings } from '../../src/core/types.js'
import { KEYRING_META, type Keyring, unlockKeyring } from '../../src/crypto/keyring.js'
import {
  type CoreFixture,
  openRefreshTokenForTest,
  rejectionOf,
  startIssuer,
  verifyAccessToken,
} from './helpers.js'

const CLIENTS: Array<[kid: string, settings: ClientSettings]> = [
  ['es256', { sigAlg: 'ES256', encAlg: 'ECDH-ES+A256KW', contEnc: 'A256GCM' }],
  ['eddsa', { sigAlg: 'EdDSA', encAlg: 'ECDH-ES', encBits: 384, contEnc: 'A128GCM' }],
  ['ps384', { sigAlg: 'PS384', encAlg: 'ECDH-ES+A128KW', encBits: 521, contEnc: 'A192GCM' }],
  ['rs256', { sigAlg: 'RS256', encAlg: 'RSA-OAEP-256', contEnc: 'A256GCM' }],
  ['es512', { sigAlg: 'ES512', encAlg: 'RSA-OAEP', contEnc: 'A128GCM' }],
]

let f: CoreFixture
beforeAll(async () => {
  f = await startIssuer()
  for (const [kid, settings] of CLIENTS) await f.issuer.registerClient(kid, settings)
})
afterAll(async () => {
  await f.close()
})

let keyring: Keyring | undefined

/** The client's current private signing key, unsealed from the store. */
async function signingKeyOf(kid: string): Promise<{ key: KeyObject; id: string; alg: string }> {
  // Unlocking runs scrypt: once is enough.
  keyring ??= await unlockKeyring((await f.store.getMeta(KEYRING_META))!, f.password)
  const record = (await f.store.listKeys({ clientKid: kid, states: ['current'] })).find((key) => key.use === 'sig')!
  const jwk = JSON.parse(new TextDecoder().decode(keyring.open(record.sealedPrivate, keySealingLabel(kid, record.id, 'sig'))))
  return { key: createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }), id: record.id, alg: record.alg }
}

/** A refresh token made by jose: `claims` signed with `typ`, then encrypted to the client. */
async function joseRefreshToken(kid: string, claims: Record<string, unknown>, typ = 'rt+jwt'): Promise<string> {
  const signing = await signingKeyOf(kid)
  const inner = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: signing.alg, kid: signing.id, typ })
    .sign(signing.key)
  const { pubEncKey } = await f.issuer.getKeys(kid)
  const contEnc = CLIENTS.find(([name]) => name === kid)![1].contEnc!
  return new CompactEncrypt(new TextEncoder().encode(inner))
    .setProtectedHeader({ alg: String(pubEncKey['alg']), enc: contEnc, kid: pubEncKey.kid, cty: 'JWT' })
    .encrypt(await importJWK(pubEncKey, String(pubEncKey['alg'])))
}

describe.each(CLIENTS)('%s', (kid) => {
  it('renews a refresh token that jose made with the same claims', async () => {
    const pair = await f.issuer.issue(kid, { claims: { sub: 'user-1', role: 'admin' } })
    const { claims } = await openRefreshTokenForTest(f, kid, pair.refreshToken)
    const made = await joseRefreshToken(kid, claims as Record<string, unknown>)
    expect(made).not.toBe(pair.refreshToken)
    const renewed = await f.issuer.renew(kid, made)
    expect(renewed.id).toBe(pair.id)
    const { payload } = await verifyAccessToken(f, kid, renewed.accessToken)
    expect(payload).toMatchObject({ sub: 'user-1', role: 'admin', client_id: kid })
    const next = await openRefreshTokenForTest(f, kid, renewed.refreshToken)
    expect(next.claims).toMatchObject({ fid: pair.id, sub: 'user-1' })
    expect(next.claims['jti']).not.toBe(claims['jti'])
  })

  it('refuses another typ, issuer, audience or client, and an expired or not yet valid token', async () => {
    const pair = await f.issuer.issue(kid, { claims: { sub: 'user-2' } })
    const { claims } = await openRefreshTokenForTest(f, kid, pair.refreshToken)
    const now = Math.floor(f.clock.now() / 1000)
    for (const made of [
      await joseRefreshToken(kid, claims as Record<string, unknown>, 'at+jwt'),
      await joseRefreshToken(kid, { ...claims, iss: 'someone-else' }),
      await joseRefreshToken(kid, { ...claims, aud: ['JWTIS', 'other'] }),
      await joseRefreshToken(kid, { ...claims, exp: now }),
      await joseRefreshToken(kid, { ...claims, nbf: now + 60 }),
      await joseRefreshToken(kid, { ...claims, client_id: 'another' }),
    ]) {
      const err = await rejectionOf(f.issuer.renew(kid, made))
      expect(err.code).toBe('invalid_grant')
    }
    // None of those touched the family: the real token still renews.
    expect((await f.issuer.renew(kid, pair.refreshToken)).id).toBe(pair.id)
  })
})
