/**
 * RFC 7518 §3.2 and §3.3, RFC 8725 §3.5: an HMAC secret shorter than its hash output is
 * refused when the verifier is built, and an RSA key under 2048 bits never verifies a
 * token, whether it arrives from a JWKS URL or a JWKS object. Nor does an RSA key anyone
 * can forge signatures for: a public exponent of 1, or a modulus with the ROCA flaw.
 */
import { createPublicKey, randomBytes, verify } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRejected } from './helpers/expect.js'
import { type SecurityFixture, startFixture } from './helpers/fixture.js'
import { type JsonServer, startJsonServer } from '../helpers/http-server.js'
import { generateKeyPair, type TestKeyPair } from '../helpers/keys.js'
import { AUDIENCE, b64url, claims, createJwt, ISSUER, signSegments } from '../helpers/tokens.js'
import { VerifyError } from '../../src/errors.js'
import { bytesOf, forgeWithExponentOne, rocaStyleModulus } from '../helpers/rsa.js'
import { VERIFIER_PATHS } from './helpers/verifiers.js'

const HMAC = [
  ['HS256', 32],
  ['HS384', 48],
  ['HS512', 64],
] as const

describe.each(VERIFIER_PATHS)('weak keys ($name)', ({ createVerifier }) => {
  describe('HMAC secrets', () => {
    const secretOptions = (secret: unknown, algorithms: string[]) => ({
      issuer: ISSUER,
      audience: AUDIENCE,
      secret,
      algorithms,
    })

    it.each(HMAC)('accepts a %s token with a secret of exactly %i bytes (control)', async (alg, bytes) => {
      for (const secret of [randomBytes(bytes), randomBytes(bytes).toString('hex').slice(0, bytes)]) {
        const verifier = createVerifier(secretOptions(secret, [alg]))
        try {
          const { protectedHeader } = await verifier.verify(createJwt({ key: secret, header: { alg } }))
          expect(protectedHeader.alg).toBe(alg)
          // One bit off. (Truncating would not do: HMAC zero-pads keys, so a secret ending in
          // 0x00 and its prefix are the same key.)
          const wrong = Buffer.from(secret)
          wrong[bytes - 1]! ^= 1
          const forged = createJwt({ key: wrong, header: { alg } })
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
      server = await startJsonServer({
        keys: [...weak.map((key) => key.jwk), fixture.keys.RS256.jwk, fixture.keys.PS256.jwk],
      })
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

  describe('RSA keys whose signatures anyone can forge', () => {
    const genuine = generateKeyPair('RS256', { kid: 'genuine' })
    const exponentOne = { ...genuine.jwk, kid: 'exponent-one', e: 'AQ' }
    const roca = { ...genuine.jwk, kid: 'roca', n: b64url(bytesOf(rocaStyleModulus())) }
    const forgedInput = `${b64url(JSON.stringify({ alg: 'RS256', kid: 'exponent-one' }))}.${b64url(JSON.stringify(claims({ sub: 'admin' })))}`
    const forged = `${forgedInput}.${b64url(forgeWithExponentOne(forgedInput, 256))}`
    let server: JsonServer
    beforeAll(async () => {
      server = await startJsonServer({ keys: [exponentOne, roca, genuine.jwk] })
    })
    afterAll(async () => {
      await server?.close()
    })

    it('forges a token under exponent 1 that plain node:crypto accepts (control)', () => {
      const publicKey = createPublicKey({ key: exponentOne, format: 'jwk' })
      const [input, signature] = [forged.slice(0, forged.lastIndexOf('.')), forged.slice(forged.lastIndexOf('.') + 1)]
      expect(verify('sha256', Buffer.from(input), publicKey, Buffer.from(signature, 'base64url'))).toBe(true)
    })

    it.each(['jwksUri', 'jwks'])('skips them in a key set from %s, keeping the sound key', async (source) => {
      const keySource = source === 'jwksUri' ? { jwksUri: server.jwksUri } : { jwks: { keys: [exponentOne, roca, genuine.jwk] } }
      const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'], ...keySource })
      try {
        await verifier.verify(createJwt({ key: genuine }))
        await expectRejected(verifier.verify(forged), 'ERR_KID_UNKNOWN', forged)
        // Any signature would do: the ROCA key was never loaded, so the kid is unknown.
        const underRoca = signSegments(b64url(JSON.stringify({ alg: 'RS256', kid: 'roca' })), b64url('{}'), 'RS256', genuine)
        await expectRejected(verifier.verify(underRoca), 'ERR_KID_UNKNOWN', underRoca)
      } finally {
        await verifier.close()
      }
    })

    it.each([
      ['exponent 1', exponentOne],
      ['the ROCA flaw', roca],
    ])('refuses a local key with %s', async (_flaw, jwk) => {
      let verifier: ReturnType<typeof createVerifier>
      try {
        verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'], keys: jwk })
      } catch (err) {
        // The Node.js build imports local keys at construction.
        expect(err).toBeInstanceOf(TypeError)
        expect((err as Error).message).toMatch(/exponent|ROCA/)
        return
      }
      try {
        // WebCrypto imports on first use: the key fails to load, nothing verifies.
        const token = jwk === exponentOne ? forged : createJwt({ key: genuine, header: { kid: 'roca' } })
        const error = await expectRejected(verifier.verify(token), 'ERR_KEYS_UNAVAILABLE', token)
        expect(error).toBeInstanceOf(VerifyError)
      } finally {
        await verifier.close()
      }
    })
  })
})
