import { sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isEcdsa, isEcdsaSignatureInRange } from '../../src/core/ecdsa.js'
import { generateDerKeyPair } from '../helpers/der-key-pair.mjs'

const CURVES = [
  { alg: 'ES256', curve: 'P-256', size: 32, order: 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551' },
  {
    alg: 'ES384',
    curve: 'P-384',
    size: 48,
    order: 'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
  },
  {
    alg: 'ES512',
    curve: 'P-521',
    size: 66,
    order:
      '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
  },
]

describe.each(CURVES)('isEcdsaSignatureInRange ($alg)', ({ alg, curve, size, order }) => {
  const n = Buffer.from(order, 'hex')
  const { privateKey } = generateDerKeyPair('ec', { namedCurve: curve })
  const real = sign(null, Buffer.from('data'), { key: privateKey, dsaEncoding: 'ieee-p1363' })
  const r = real.subarray(0, size)
  const s = real.subarray(size)
  const one = Buffer.alloc(size)
  one[size - 1] = 1
  const nMinusOne = Buffer.from(n)
  nMinusOne[size - 1]! -= 1
  const nPlusOne = Buffer.from(n)
  nPlusOne[size - 1]! += 1

  it('accepts a real signature and the range ends 1 and n - 1', () => {
    expect(isEcdsa(alg)).toBe(true)
    expect(isEcdsaSignatureInRange(alg, real)).toBe(true)
    expect(isEcdsaSignatureInRange(alg, Buffer.concat([one, nMinusOne]))).toBe(true)
  })

  it('refuses r = s = 0 (the psychic signature)', () => {
    expect(isEcdsaSignatureInRange(alg, Buffer.alloc(size * 2))).toBe(false)
    expect(isEcdsaSignatureInRange(alg, Buffer.concat([Buffer.alloc(size), s]))).toBe(false)
    expect(isEcdsaSignatureInRange(alg, Buffer.concat([r, Buffer.alloc(size)]))).toBe(false)
  })

  it('refuses r or s equal to or above the curve order', () => {
    expect(isEcdsaSignatureInRange(alg, Buffer.concat([n, s]))).toBe(false)
    expect(isEcdsaSignatureInRange(alg, Buffer.concat([r, n]))).toBe(false)
    expect(isEcdsaSignatureInRange(alg, Buffer.concat([nPlusOne, s]))).toBe(false)
    expect(isEcdsaSignatureInRange(alg, Buffer.concat([r, Buffer.alloc(size, 0xff)]))).toBe(false)
  })

  it('refuses any other length, including DER', () => {
    expect(isEcdsaSignatureInRange(alg, real.subarray(1))).toBe(false)
    expect(isEcdsaSignatureInRange(alg, Buffer.concat([real, Buffer.alloc(1)]))).toBe(false)
    expect(isEcdsaSignatureInRange(alg, sign(null, Buffer.from('data'), privateKey))).toBe(false)
  })
})

describe('isEcdsa', () => {
  it('is false for other algs', () => {
    for (const alg of ['RS256', 'PS256', 'EdDSA', 'HS256', 'none', 'constructor']) expect(isEcdsa(alg)).toBe(false)
    expect(isEcdsaSignatureInRange('RS256', Buffer.alloc(64, 1))).toBe(false)
  })
})
