import { createHash } from 'node:crypto'
import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify, importJWK, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  CONTENT_ENCRYPTION_ALGS,
  checkContentEncryption,
  checkKeySpec,
  generateKey,
  KEY_MANAGEMENT_ALGS,
  type KeySpec,
  SIGNING_ALGS,
} from '../../src/core/alg-policy.js'
import type { GeneratedKey } from '../../src/crypto/keys.js'
import { CONTENT_ENCRYPTIONS } from '../../src/jose/jose-algorithms.js'
import { IssuerError } from '../../src/errors.js'

const RSA_SIZES = [2048, 3072, 4096]
const EC_CURVES: Record<number, string> = { 256: 'P-256', 384: 'P-384', 521: 'P-521' }
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

/** What a generated key must look like: its curve, or its RSA modulus length. */
type Shape = { crv: string } | { modulusBits: number }

interface Case {
  spec: KeySpec
  shape: Shape
}

function signingCases(): Case[] {
  const cases: Case[] = []
  for (const [alg, bits] of [
    ['ES256', 256],
    ['ES384', 384],
    ['ES512', 521],
  ] as const) {
    cases.push({ spec: { use: 'sig', alg }, shape: { crv: EC_CURVES[bits]! } })
    cases.push({ spec: { use: 'sig', alg, bits }, shape: { crv: EC_CURVES[bits]! } })
  }
  cases.push({ spec: { use: 'sig', alg: 'EdDSA' }, shape: { crv: 'Ed25519' } })
  cases.push({ spec: { use: 'sig', alg: 'EdDSA', bits: 256 }, shape: { crv: 'Ed25519' } })
  for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']) {
    cases.push({ spec: { use: 'sig', alg }, shape: { modulusBits: 2048 } })
    for (const bits of RSA_SIZES) cases.push({ spec: { use: 'sig', alg, bits }, shape: { modulusBits: bits } })
  }
  return cases
}

function encryptionCases(): Case[] {
  const cases: Case[] = []
  for (const alg of ['RSA-OAEP', 'RSA-OAEP-256']) {
    cases.push({ spec: { use: 'enc', alg }, shape: { modulusBits: 2048 } })
    for (const bits of RSA_SIZES) cases.push({ spec: { use: 'enc', alg, bits }, shape: { modulusBits: bits } })
  }
  for (const alg of ['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW']) {
    cases.push({ spec: { use: 'enc', alg }, shape: { crv: 'P-256' } })
    for (const bits of [256, 384, 521]) cases.push({ spec: { use: 'enc', alg, bits }, shape: { crv: EC_CURVES[bits]! } })
  }
  return cases
}

const title = ({ spec }: Case): string => `${spec.alg} ${spec.bits ?? '(default size)'}`
/** RSA key generation searches for primes at random: for 4096 bits, seconds, with a long tail. */
const KEY_GENERATION_TIMEOUT = 120_000

/** RFC 7638, computed here independently of the implementation. */
function thumbprint(jwk: Record<string, unknown>): string {
  const required: Record<string, string[]> = { EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'], RSA: ['e', 'kty', 'n'] }
  const members = required[jwk['kty'] as string]!
  const canonical = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(',')}}`
  return createHash('sha256').update(canonical).digest('base64url')
}

function expectWellFormed(key: GeneratedKey, { spec, shape }: Case): void {
  const pub = key.publicJwk
  expect(key.alg).toBe(spec.alg)
  expect(pub).toMatchObject({ kid: key.id, alg: spec.alg, use: spec.use })
  expect(key.privateJwk).toMatchObject({ kid: key.id, alg: spec.alg, use: spec.use })
  expect(key.id).toBe(thumbprint(pub))
  for (const member of PRIVATE_MEMBERS) expect(pub).not.toHaveProperty(member)
  expect(key.privateJwk).toHaveProperty('d')
  if ('crv' in shape) {
    expect(pub['crv']).toBe(shape.crv)
  } else {
    expect(pub.kty).toBe('RSA')
    expect(Buffer.from(pub['n'] as string, 'base64url').length * 8).toBe(shape.modulusBits)
    expect(pub['e']).toBe('AQAB')
  }
}

describe('generateKey: signing keys', () => {
  it.each(signingCases().map((c) => [title(c), c] as const))('%s signs and verifies with jose', async (_, c) => {
    const key = await generateKey(c.spec)
    expectWellFormed(key, c)
    const payload = new TextEncoder().encode(JSON.stringify({ sub: 'alice' }))
    const jws = await new CompactSign(payload)
      .setProtectedHeader({ alg: c.spec.alg, kid: key.id })
      .sign(await importJWK(key.privateJwk as JWK, c.spec.alg))
    const verified = await compactVerify(jws, await importJWK(key.publicJwk as JWK, c.spec.alg))
    expect(new TextDecoder().decode(verified.payload)).toBe('{"sub":"alice"}')
    expect(verified.protectedHeader.kid).toBe(key.id)

  }, KEY_GENERATION_TIMEOUT)

  it.each(SIGNING_ALGS)('%s: each key is new, and only its own public key verifies', async (alg) => {
    const [key, other] = await Promise.all([generateKey({ use: 'sig', alg }), generateKey({ use: 'sig', alg })])
    expect(other.id).not.toBe(key.id)
    const jws = await new CompactSign(new TextEncoder().encode('x'))
      .setProtectedHeader({ alg })
      .sign(await importJWK(key.privateJwk as JWK, alg))
    await expect(compactVerify(jws, await importJWK(other.publicJwk as JWK, alg))).rejects.toThrow()
  })
})

describe('generateKey: encryption keys', () => {
  it.each(encryptionCases().map((c) => [title(c), c] as const))('%s encrypts and decrypts with jose', async (_, c) => {
    const key = await generateKey(c.spec)
    expectWellFormed(key, c)
    const publicKey = await importJWK(key.publicJwk as JWK, c.spec.alg)
    const privateKey = await importJWK(key.privateJwk as JWK, c.spec.alg)
    for (const enc of CONTENT_ENCRYPTION_ALGS) {
      const jwe = await new CompactEncrypt(new TextEncoder().encode(`secret for ${enc}`))
        .setProtectedHeader({ alg: c.spec.alg, enc, kid: key.id, cty: 'JWT' })
        .encrypt(publicKey)
      const { plaintext, protectedHeader } = await compactDecrypt(jwe, privateKey)
      expect(new TextDecoder().decode(plaintext)).toBe(`secret for ${enc}`)
      expect(protectedHeader).toMatchObject({ alg: c.spec.alg, enc, kid: key.id })
    }
  }, KEY_GENERATION_TIMEOUT)
})

function refusal(spec: KeySpec): IssuerError {
  try {
    checkKeySpec(spec)
  } catch (err) {
    expect(err).toBeInstanceOf(IssuerError)
    expect((err as IssuerError).code).toBe('invalid_request')
    return err as IssuerError
  }
  throw new Error(`${JSON.stringify(spec)} was accepted`)
}

describe('checkKeySpec', () => {
  it('accepts every supported alg with its default size', () => {
    for (const alg of SIGNING_ALGS) checkKeySpec({ use: 'sig', alg })
    for (const alg of KEY_MANAGEMENT_ALGS) checkKeySpec({ use: 'enc', alg })
    expect(SIGNING_ALGS).toHaveLength(10)
    expect(KEY_MANAGEMENT_ALGS).toHaveLength(6)
  })

  it('allows exactly the content encryptions the JWE code implements, as one list', () => {
    expect(CONTENT_ENCRYPTION_ALGS).toEqual(['A128GCM', 'A192GCM', 'A256GCM'])
    expect(CONTENT_ENCRYPTION_ALGS).toEqual([...CONTENT_ENCRYPTIONS.keys()])
  })

  it('refuses RSA1_5 and says why', async () => {
    for (const use of ['enc', 'sig'] as const) {
      const { message } = refusal({ use, alg: 'RSA1_5', bits: 2048 })
      expect(message).toMatch(/RSA1_5/)
      expect(message).toMatch(/padding-oracle/)
      expect(message).toMatch(/RFC 8725/)
      expect(message).toMatch(/RSA-OAEP-256/)
    }
    await expect(generateKey({ use: 'enc', alg: 'RSA1_5' })).rejects.toThrow(/padding-oracle/)
  })

  it.each([
    ['RS256', 'sig', 1024, /2048, 3072 or 4096/],
    ['PS512', 'sig', 8192, /2048, 3072 or 4096/],
    ['RSA-OAEP', 'enc', 1024, /2048, 3072 or 4096/],
    ['RSA-OAEP-256', 'enc', 2047, /2048, 3072 or 4096/],
    ['ES256', 'sig', 384, /P-256.*256/],
    ['ES384', 'sig', 256, /P-384.*384/],
    ['ES512', 'sig', 512, /P-521.*521/],
    ['EdDSA', 'sig', 2048, /Ed25519.*256/],
    ['ECDH-ES', 'enc', 512, /256, 384 or 521/],
    ['ECDH-ES+A256KW', 'enc', 2048, /256, 384 or 521/],
    ['ECDH-ES+A128KW', 'enc', 256.5, /256, 384 or 521/],
  ] as const)('refuses %s (%s) with %s bits, naming the allowed sizes', async (alg, use, bits, allowed) => {
    const { message } = refusal({ use, alg, bits })
    expect(message).toMatch(allowed)
    expect(message).toContain(String(bits))
    await expect(generateKey({ use, alg, bits })).rejects.toThrow(IssuerError)
  })

  it('refuses unknown algs, listing the supported ones', () => {
    for (const alg of ['HS256', 'none', 'ES256K', 'dir', 'A256KW']) {
      const use = alg === 'dir' || alg === 'A256KW' ? 'enc' : 'sig'
      const { message } = refusal({ use, alg })
      expect(message).toContain(JSON.stringify(alg))
      const supported = use === 'sig' ? SIGNING_ALGS : KEY_MANAGEMENT_ALGS
      for (const name of supported) expect(message).toContain(name)
    }
    expect(refusal({ use: 'sig', alg: '' }).message).toMatch(/required/)
  })

  it('refuses an alg of the other use', () => {
    expect(refusal({ use: 'sig', alg: 'RSA-OAEP-256' }).message).toMatch(/not a signing alg/)
    expect(refusal({ use: 'enc', alg: 'ES256' }).message).toMatch(/not a key-management alg/)
  })

  it('refuses an unknown use', () => {
    expect(refusal({ use: 'both' as 'sig', alg: 'ES256' }).message).toMatch(/"sig" or "enc"/)
  })

  it('does not mistake inherited names for algs', () => {
    expect(refusal({ use: 'sig', alg: 'toString' }).message).toMatch(/unsupported signing alg/)
    expect(refusal({ use: 'enc', alg: '__proto__' }).message).toMatch(/unsupported key-management alg/)
  })
})

describe('checkContentEncryption', () => {
  it('accepts the AES-GCM encryptions', () => {
    for (const enc of ['A128GCM', 'A192GCM', 'A256GCM']) expect(() => checkContentEncryption(enc)).not.toThrow()
  })

  it('refuses anything else, listing the supported ones', () => {
    for (const enc of ['A128CBC-HS256', 'A256CBC-HS512', 'a256gcm', '']) {
      let caught: unknown
      try {
        checkContentEncryption(enc)
      } catch (err) {
        caught = err
      }
      expect(caught).toBeInstanceOf(IssuerError)
      expect((caught as IssuerError).code).toBe('invalid_request')
      expect((caught as IssuerError).message).toMatch(/A128GCM, A192GCM, A256GCM/)
    }
  })
})
