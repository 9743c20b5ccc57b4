import { describe, expect, it } from 'vitest'
import { hashSecret, randomToken, secretsEqual } from '../../src/crypto/secrets.js'

describe('randomToken', () => {
  it('is 256 bits of base64url by default, new each time', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => randomToken()))
    expect(tokens.size).toBe(100)
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(Buffer.from(token, 'base64url')).toHaveLength(32)
    }
  })

  it('takes a size in bytes, at least 16', () => {
    expect(Buffer.from(randomToken(16), 'base64url')).toHaveLength(16)
    expect(Buffer.from(randomToken(48), 'base64url')).toHaveLength(48)
    for (const bytes of [15, 0, -1, 16.5, Number.NaN]) expect(() => randomToken(bytes)).toThrow(TypeError)
  })
})

describe('hashSecret', () => {
  it('is the hex SHA-256 of the UTF-8 text', () => {
    // FIPS 180-2 test vector.
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    // UTF-8, not Latin-1: é is the two bytes c3 a9.
    expect(hashSecret('\u00e9')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c')
    expect(hashSecret('a')).not.toBe(hashSecret('b'))
  })
})

describe('secretsEqual', () => {
  const a = hashSecret('token-a')
  const b = hashSecret('token-b')

  it('is true only for the same hash', () => {
    expect(secretsEqual(a, hashSecret('token-a'))).toBe(true)
    expect(secretsEqual(a, b)).toBe(false)
  })

  it('is false, not an error, for other lengths or non-hex text', () => {
    expect(secretsEqual(a, a.slice(0, 62))).toBe(false)
    expect(secretsEqual(a, `${a}00`)).toBe(false)
    expect(secretsEqual(a, `${a.slice(0, 63)}z`)).toBe(false)
    expect(secretsEqual(`${a.slice(0, 63)}z`, `${a.slice(0, 63)}z`)).toBe(false)
    expect(secretsEqual('', '')).toBe(false)
    expect(secretsEqual('abc', 'abc')).toBe(false)
  })
})
