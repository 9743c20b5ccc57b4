import { describe, expect, it } from 'vitest'
import { hasRocaFingerprint, isSoundExponent, rsaKeyFlaw } from '../src/rsa-key.js'
import { generateDerKeyPair } from './helpers/der-key-pair.mjs'
import { bytesOf, rocaStyleModulus } from './helpers/rsa.js'

describe('hasRocaFingerprint', () => {
  it('finds the fingerprint in moduli built like the flawed generator builds them', () => {
    for (let i = 0; i < 5; i++) {
      const modulus = rocaStyleModulus()
      expect(modulus.toString(2).length).toBeGreaterThanOrEqual(2048)
      expect(hasRocaFingerprint(bytesOf(modulus))).toBe(true)
    }
  })

  it('does not find it in moduli of keys generated soundly, nor in an altered ROCA-style one', () => {
    for (let i = 0; i < 3; i++) {
      const { publicKey } = generateDerKeyPair('rsa', { modulusLength: 2048 })
      const { n } = publicKey.export({ format: 'jwk' }) as { n: string }
      expect(hasRocaFingerprint(Buffer.from(n, 'base64url'))).toBe(false)
    }
    // A multiple of 3 is 0 mod 3, never a power of 65537.
    expect(hasRocaFingerprint(bytesOf(rocaStyleModulus() * 3n))).toBe(false)
  })
})

describe('isSoundExponent', () => {
  it('accepts odd exponents from 3, leading zero octets ignored', () => {
    for (const hex of ['03', '010001', '00010001', '0101']) expect(isSoundExponent(Buffer.from(hex, 'hex')), hex).toBe(true)
  })

  it('refuses 0, 1, 2, even exponents and an empty one', () => {
    for (const hex of ['', '00', '01', '0001', '02', '010000', '0100']) {
      expect(isSoundExponent(Buffer.from(hex, 'hex')), hex).toBe(false)
    }
  })
})

describe('rsaKeyFlaw', () => {
  it('names the flaw, or none for a sound key', () => {
    const { publicKey } = generateDerKeyPair('rsa', { modulusLength: 2048 })
    const { n, e } = publicKey.export({ format: 'jwk' }) as { n: string; e: string }
    const modulus = Buffer.from(n, 'base64url')
    expect(rsaKeyFlaw(modulus, Buffer.from(e, 'base64url'))).toBeUndefined()
    expect(rsaKeyFlaw(modulus, Buffer.from([1]))).toMatch(/exponent/)
    expect(rsaKeyFlaw(bytesOf(rocaStyleModulus()), Buffer.from(e, 'base64url'))).toMatch(/ROCA/)
    expect(rsaKeyFlaw(undefined, Buffer.from(e, 'base64url'))).toBeUndefined()
  })
})
