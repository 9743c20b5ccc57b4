import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClientSettings } from '../../src/core/types.js'
import { type CoreFixture, openRefreshTokenForTest, startIssuer, verifyAccessToken } from './helpers.js'

const SIGNING: ClientSettings[] = [
  { sigAlg: 'ES256' },
  { sigAlg: 'ES384' },
  { sigAlg: 'ES512' },
  { sigAlg: 'EdDSA' },
  { sigAlg: 'RS256' },
  { sigAlg: 'RS384', sigBits: 3072 },
  { sigAlg: 'RS512' },
  { sigAlg: 'PS256' },
  { sigAlg: 'PS384' },
  { sigAlg: 'PS512' },
]

const ENCRYPTION: ClientSettings[] = [
  { encAlg: 'ECDH-ES+A256KW', contEnc: 'A256GCM' },
  { encAlg: 'RSA-OAEP-256', contEnc: 'A128GCM' },
  { encAlg: 'ECDH-ES', encBits: 384, contEnc: 'A192GCM' },
  { encAlg: 'ECDH-ES+A128KW', encBits: 521, contEnc: 'A256GCM' },
  { encAlg: 'RSA-OAEP', contEnc: 'A256GCM' },
  { encAlg: 'ECDH-ES+A192KW', contEnc: 'A128GCM' },
]

// Every signing alg with two encryptions, cycling so that every encryption is met too.
const CASES = SIGNING.flatMap((sig, i) =>
  [ENCRYPTION[(2 * i) % ENCRYPTION.length]!, ENCRYPTION[(2 * i + 1) % ENCRYPTION.length]!].map((enc) => ({
    ...sig,
    ...enc,
  })),
)

let f: CoreFixture
beforeAll(async () => {
  f = await startIssuer()
})
afterAll(async () => {
  await f.close()
})

describe.each(CASES)('$sigAlg with $encAlg ($contEnc)', (settings) => {
  const kid = `${settings.sigAlg}.${settings.encAlg}.${settings.encBits ?? 'd'}`.replace('+', '_')

  it('issues tokens jose verifies and decrypts, and renews them', async () => {
    await f.issuer.registerClient(kid, settings)
    const pair = await f.issuer.issue(kid, { claims: { sub: 'user-1', role: 'admin' } })

    const { payload, protectedHeader } = await verifyAccessToken(f, kid, pair.accessToken)
    expect(protectedHeader).toMatchObject({ alg: settings.sigAlg, typ: 'at+jwt' })
    expect(protectedHeader.kid).toBe((await f.issuer.getKeys(kid)).pubSigKey.kid)
    expect(payload).toMatchObject({ iss: 'JWTIS', sub: 'user-1', aud: kid, client_id: kid, role: 'admin' })
    expect(payload.exp).toBe(pair.expiry)

    const opened = await openRefreshTokenForTest(f, kid, pair.refreshToken)
    expect(opened.outer).toMatchObject({ alg: settings.encAlg, enc: settings.contEnc, cty: 'JWT' })
    expect(opened.outer.kid).toBe((await f.issuer.getKeys(kid)).pubEncKey.kid)
    expect(opened.innerHeader).toMatchObject({ alg: settings.sigAlg, typ: 'rt+jwt' })
    expect(opened.claims).toMatchObject({ iss: 'JWTIS', aud: 'JWTIS', sub: 'user-1', client_id: kid, fid: pair.id })

    const renewed = await f.issuer.renew(kid, pair.refreshToken)
    expect(renewed.id).toBe(pair.id)
    const again = await verifyAccessToken(f, kid, renewed.accessToken)
    expect(again.payload).toMatchObject({ sub: 'user-1', role: 'admin' })
    expect(again.payload.jti).not.toBe(payload.jti)
  })
})
