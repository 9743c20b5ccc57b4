/**
 * RFC 8725 §2.1 / §3.1, CVE-2016-10555 and CVE-2022-21449's cousins: a token must not pick
 * how its key is used. HMAC "signed" with the public key, an alg of another family or
 * curve than the key, and an alg outside the allow-list are all refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRejected } from './helpers/expect.js'
import { type SecurityFixture, startFixture } from './helpers/fixture.js'
import { type JsonServer, startJsonServer } from '../helpers/http-server.js'
import { generateKeyPair, type TestKeyPair } from '../helpers/keys.js'
import { b64url, createJwt, fromB64url, signatureHolds } from '../helpers/tokens.js'
import { type TestVerifier, VERIFIER_PATHS } from './helpers/verifiers.js'

/** Every byte string a naive verifier might take as the "secret" of a public key. */
function publicKeyAsSecrets(key: TestKeyPair): Array<[string, string | Uint8Array]> {
  const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const secrets: Array<[string, string | Uint8Array]> = [
    ['SPKI PEM', pem],
    ['SPKI PEM without trailing newline', pem.trimEnd()],
    ['SPKI DER', key.publicKey.export({ type: 'spki', format: 'der' })],
    ['JWK JSON', JSON.stringify(key.jwk)],
    ['JWKS JSON', JSON.stringify({ keys: [key.jwk] })],
  ]
  if (key.jwk.kty === 'RSA') {
    secrets.push(['PKCS#1 PEM', key.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()])
    secrets.push(['modulus bytes', fromB64url(key.jwk.n!)])
  }
  if (key.jwk.kty === 'EC') {
    const x = fromB64url(key.jwk.x!)
    const y = fromB64url(key.jwk.y!)
    secrets.push(['uncompressed point', Buffer.concat([Buffer.from([4]), x, y])])
    secrets.push(['x || y', Buffer.concat([x, y])])
  }
  if (key.jwk.kty === 'OKP') secrets.push(['raw public key', fromB64url(key.jwk.x!)])
  return secrets
}

describe.each(VERIFIER_PATHS)('alg confusion ($name)', ({ createVerifier }) => {
  let fixture: SecurityFixture
  let verifier: TestVerifier
  /** Keys published without `alg`: only their kty and curve say what they are for. */
  let bare: { p256: TestKeyPair; p384: TestKeyPair; rsa: TestKeyPair; ed: TestKeyPair }
  let bareServer: JsonServer
  let bareVerifier: TestVerifier
  const octSecret = Buffer.alloc(64, 0x5a)

  beforeAll(async () => {
    fixture = await startFixture()
    verifier = createVerifier(fixture.options())
    bare = {
      p256: generateKeyPair('ES256', { kid: 'bare-p256', withAlg: false }),
      p384: generateKeyPair('ES384', { kid: 'bare-p384', withAlg: false }),
      rsa: generateKeyPair('RS256', { kid: 'bare-rsa', withAlg: false }),
      ed: generateKeyPair('EdDSA', { kid: 'bare-ed', withAlg: false }),
    }
    const published = [bare.p256.jwk, bare.p384.jwk, bare.rsa.jwk, bare.ed.jwk]
    // A symmetric key in a JWKS (a leaked or injected one) must never become a verification key.
    published.push({ kty: 'oct', kid: 'bare-oct', k: b64url(octSecret), alg: 'HS256', use: 'sig' })
    bareServer = await startJsonServer({ keys: published })
    bareVerifier = createVerifier(fixture.options({ jwksUri: bareServer.jwksUri }))
  })
  afterAll(async () => {
    await verifier?.close()
    await bareVerifier?.close()
    await fixture?.close()
    await bareServer?.close()
  })

  describe('HMAC keyed with the public key', () => {
    for (const alg of ['ES256', 'RS256', 'PS256', 'EdDSA'] as const) {
      it(`refuses HS256/384/512 made with the ${alg} public key in every encoding`, async () => {
        const key = fixture.keys[alg]
        for (const [, secret] of publicKeyAsSecrets(key)) {
          for (const hs of ['HS256', 'HS384', 'HS512']) {
            const token = createJwt({ key: secret, header: { alg: hs, kid: key.kid } })
            await expectRejected(verifier.verify(token), 'ERR_ALG_NOT_ALLOWED', token)
          }
        }
      })
    }

    it('refuses HS256 made with the key of a JWKS published without alg', async () => {
      for (const [, secret] of publicKeyAsSecrets(bare.rsa)) {
        const token = createJwt({ key: secret, header: { alg: 'HS256', kid: bare.rsa.kid } })
        await expectRejected(bareVerifier.verify(token), 'ERR_ALG_NOT_ALLOWED', token)
      }
    })

    it('never uses a symmetric key found in a JWKS', async () => {
      const token = createJwt({ key: octSecret, header: { alg: 'HS256', kid: 'bare-oct' } })
      await expectRejected(bareVerifier.verify(token), 'ERR_ALG_NOT_ALLOWED', token)
    })

    it.each([[['HS256']], [['ES256', 'HS256']], [['RS256', 'HS512']]])(
      'refuses to allow %j with a JWKS as the key source',
      (algorithms) => {
        expect(() => createVerifier(fixture.options({ algorithms }))).toThrow(TypeError)
      },
    )
  })

  describe('alg that does not fit the key', () => {
    it('accepts each bare key with an alg that fits it (control)', async () => {
      const cases: Array<[TestKeyPair, string]> = [
        [bare.p256, 'ES256'],
        [bare.p384, 'ES384'],
        [bare.rsa, 'RS256'],
        [bare.rsa, 'PS256'],
        [bare.ed, 'EdDSA'],
      ]
      for (const [key, alg] of cases) {
        const { protectedHeader } = await bareVerifier.verify(createJwt({ key, header: { alg } }))
        expect(protectedHeader.alg).toBe(alg)
      }
    })

    // Each forgery below is signed with the very key its kid names, with the hash or padding
    // of the header's alg: only the alg/key fit can refuse it.
    it('refuses ES384 and ES512 headers over a P-256 key with all algs allowed', async () => {
      for (const alg of ['ES384', 'ES512']) {
        const token = createJwt({ key: bare.p256.privateKey, header: { alg, kid: bare.p256.kid } })
        expect(signatureHolds(token, alg, bare.p256.publicKey)).toBe(true)
        await expectRejected(bareVerifier.verify(token), ['ERR_ALG_NOT_ALLOWED', 'ERR_KID_UNKNOWN'], token)
      }
    })

    it('refuses ES256 over a P-384 key', async () => {
      const token = createJwt({ key: bare.p384.privateKey, header: { alg: 'ES256', kid: bare.p384.kid } })
      expect(signatureHolds(token, 'ES256', bare.p384.publicKey)).toBe(true)
      await expectRejected(bareVerifier.verify(token), ['ERR_ALG_NOT_ALLOWED', 'ERR_KID_UNKNOWN'], token)
    })

    it('refuses a signature family that does not fit the kty', async () => {
      const forgeries = [
        createJwt({ key: bare.p256.privateKey, header: { alg: 'RS256', kid: bare.p256.kid }, signAs: 'ES256' }),
        createJwt({ key: bare.p256.privateKey, header: { alg: 'EdDSA', kid: bare.p256.kid }, signAs: 'ES256' }),
        createJwt({ key: bare.rsa.privateKey, header: { alg: 'ES256', kid: bare.rsa.kid }, signAs: 'RS256' }),
        createJwt({ key: bare.ed.privateKey, header: { alg: 'ES256', kid: bare.ed.kid }, signAs: 'EdDSA' }),
        createJwt({ key: bare.rsa.privateKey, header: { alg: 'EdDSA', kid: bare.rsa.kid }, signAs: 'RS256' }),
      ]
      for (const token of forgeries) {
        await expectRejected(bareVerifier.verify(token), ['ERR_ALG_NOT_ALLOWED', 'ERR_KID_UNKNOWN'], token)
      }
    })

    it('holds a key published with an alg to that alg (RS256 key, PS256 token and back)', async () => {
      const rs = fixture.keys.RS256
      const ps = fixture.keys.PS256
      // Valid RSA signatures by the named key: only the key's own alg refuses them.
      const asPs = createJwt({ key: rs.privateKey, header: { alg: 'PS256', kid: rs.kid } })
      const asRs = createJwt({ key: ps.privateKey, header: { alg: 'RS256', kid: ps.kid } })
      expect(signatureHolds(asPs, 'PS256', rs.publicKey)).toBe(true)
      expect(signatureHolds(asRs, 'RS256', ps.publicKey)).toBe(true)
      await expectRejected(verifier.verify(asPs), ['ERR_ALG_NOT_ALLOWED', 'ERR_KID_UNKNOWN'], asPs)
      await expectRejected(verifier.verify(asRs), ['ERR_ALG_NOT_ALLOWED', 'ERR_KID_UNKNOWN'], asRs)
    })

    it('refuses an alg outside the allow-list even with a genuine signature', async () => {
      const onlyEs256 = createVerifier(fixture.options({ algorithms: ['ES256'] }))
      try {
        await onlyEs256.verify(createJwt({ key: fixture.keys.ES256 }))
        for (const alg of ['RS256', 'PS256', 'EdDSA', 'ES384'] as const) {
          const token = createJwt({ key: fixture.keys[alg] })
          await expectRejected(onlyEs256.verify(token), 'ERR_ALG_NOT_ALLOWED', token)
        }
      } finally {
        await onlyEs256.close()
      }
    })
  })
})
