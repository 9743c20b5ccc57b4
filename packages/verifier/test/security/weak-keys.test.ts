/**
 * RFC 7518 §3.2 and §3.3, RFC 8725 §3.5: an HMAC secret shorter than its hash output is
 * refused when the verifier is built, and an RSA key under 2048 bits never verifies a
 * token, whether it arrives from a JWKS URL or a JWKS object.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRejected } from './helpers/expect.js'
import { type SecurityFixture, startFixture } from './helpers/fixture.js'
import { type JsonServer, startJsonServer } from './helpers/http.js'
import { createJwt, generateKeyPair, ISSUER, AUDIENCE, type TestKeyPair } from './helpers/jwt.js'
import { VERIFIER_PATHS } from './helpers/verifiers.js'

const HMAC = [
  ['HS256', 32],
  ['HS384', 48],
  ['HS512', 64],
] as const

describe.each(VERIFIER_PATHS)('weak keys ($name)', ({ createVerifier }) => {
  describe('HMAC secrets', () => {
    const secretOptions = (secret: unknown, algorithms: string[]) => ({ issuer: ISSUER, audience: AUDIENCE, secret, algorithms })

    it.each(HMAC)('accepts a %s token with a secret of exactly %i bytes (control)', async (alg, bytes) => {
      for (const secret of [randomBytes(bytes), randomBytes(bytes).toString('hex').slice(0, bytes)]) {
        const verifier = createVerifier(secretOptions(secret, [alg]))
        try {
          const { protectedHeader } = await verifier.verify(createJwt({ key: secret, header: { alg } }))
          expect(protectedHeader.alg).toBe(alg)
          const forged = createJwt({ key: Buffer.from(secret).subarray(0, bytes - 1), header: { alg } })
          await expectRejected(verifier.verify(forged), 'ERR_SIGNATURE_INVALID', forged)
        } finally {
          await verifier.close()
        }
      }
    })

    it.each(HMAC)('refuses at construction a %s secret shorter than %i bytes', (alg, bytes) => {
      for (const length of [bytes - 1, 16, 1, 0]) {
        expect(() => createVerifier(secretOptions(randomBytes(length), [alg])), `${length} bytes`).toThrow(TypeError)
        expect(() => createVerifier(secretOptions('k'.repeat(length), [alg])), `${length} chars`).toThrow(TypeError)
      }
    })

    it('refuses at construction a secret too short for any of the allowed algs', () => {
      expect(() => createVerifier(secretOptions(randomBytes(32), ['HS256', 'HS512']))).toThrow(TypeError)
      expect(() => createVerifier(secretOptions(randomBytes(48), ['HS384', 'HS512']))).toThrow(TypeError)
    })

    it('refuses asymmetric tokens and unlisted HMAC algs with a secret', async () => {
      const secret = randomBytes(32)
      const verifier = createVerifier(secretOptions(secret, ['HS256']))
      try {
        const es = createJwt({ key: generateKeyPair('ES256') })
        await expectRejected(verifier.verify(es), 'ERR_ALG_NOT_ALLOWED', es)
        const hs384 = createJwt({ key: secret, header: { alg: 'HS384' } })
        await expectRejected(verifier.verify(hs384), 'ERR_ALG_NOT_ALLOWED', hs384)
      } finally {
        await verifier.close()
      }
    })
  })

  describe('RSA keys under 2048 bits', () => {
    let fixture: SecurityFixture
    let weak: TestKeyPair[]
    let server: JsonServer

    beforeAll(async () => {
      fixture = await startFixture()
      weak = [
        generateKeyPair('RS256', { kid: 'weak-1024', modulusLength: 1024 }),
        generateKeyPair('PS256', { kid: 'weak-1024-pss', modulusLength: 1024 }),
        generateKeyPair('RS256', { kid: 'weak-2040', modulusLength: 2040 }),
        generateKeyPair('RS256', { kid: 'weak-512', modulusLength: 512 }),
      ]
      server = await startJsonServer({ keys: [...weak.map((key) => key.jwk), fixture.keys.RS256.jwk, fixture.keys.PS256.jwk] })
    })
    afterAll(async () => {
      await fixture?.close()
      await server?.close()
    })

    it.each(['jwksUri', 'jwks'])('never verifies with a short RSA key from %s', async (source) => {
      const keySource =
        source === 'jwksUri'
          ? { jwksUri: server.jwksUri }
          : { jwks: { keys: [...weak.map((key) => key.jwk), fixture.keys.RS256.jwk, fixture.keys.PS256.jwk] } }
      const { jwksUri: _unused, ...base } = fixture.options()
      const verifier = createVerifier({ ...base, ...keySource })
      try {
        // The good keys of the same set keep working: one weak key spoils nothing.
        await verifier.verify(createJwt({ key: fixture.keys.RS256 }))
        await verifier.verify(createJwt({ key: fixture.keys.PS256 }))
        for (const key of weak) {
          const token = createJwt({ key })
          await expectRejected(verifier.verify(token), ['ERR_KID_UNKNOWN', 'ERR_ALG_NOT_ALLOWED'], token)
        }
      } finally {
        await verifier.close()
      }
    })
  })
})
