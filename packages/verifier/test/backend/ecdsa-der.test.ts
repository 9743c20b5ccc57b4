import { sign, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { p1363ToDer } from '../../src/backend/ecdsa-der.js'
import { generateDerKeyPair } from '../helpers/der-key-pair.mjs'

const CURVES = [
  ['P-256', 'sha256'],
  ['P-384', 'sha384'],
  ['P-521', 'sha512'],
] as const

describe.each(CURVES)('p1363ToDer on %s', (namedCurve, hash) => {
  const { privateKey, publicKey } = generateDerKeyPair('ec', { namedCurve })

  it('gives DER that verifies, for halves with and without leading zeros and top bits', () => {
    let leadingZero = 0
    let topBit = 0
    // A half starts with a zero byte 1 time in 256: a fixed count of signatures would leave
    // that case out now and then, so signing goes on until it came up (or a bound that only
    // a broken signer reaches).
    for (let i = 0; i < 600 || (leadingZero === 0 && i < 20_000); i++) {
      const message = Buffer.from(`message ${i}`)
      const p1363 = sign(hash, message, { key: privateKey, dsaEncoding: 'ieee-p1363' })
      // OpenSSL refuses a DER signature that is not the canonical encoding of its integers.
      expect(verify(hash, message, publicKey, p1363ToDer(p1363))).toBe(true)
      const half = p1363.length / 2
      if (p1363[0] === 0 || p1363[half] === 0) leadingZero++
      if (p1363[0]! >= 0x80 || p1363[half]! >= 0x80) topBit++
    }
    expect(leadingZero).toBeGreaterThan(0)
    if (namedCurve !== 'P-521') expect(topBit).toBeGreaterThan(0)
  })

  it('keeps a forged signature forged: halves swapped, a bit flipped', () => {
    const message = Buffer.from('data')
    const good = sign(hash, message, { key: privateKey, dsaEncoding: 'ieee-p1363' })
    const half = good.length / 2
    const swapped = Buffer.concat([good.subarray(half), good.subarray(0, half)])
    const flipped = Buffer.from(good)
    flipped[good.length - 1]! ^= 1
    for (const forged of [swapped, flipped]) expect(verify(hash, message, publicKey, p1363ToDer(forged))).toBe(false)
  })
})

describe('p1363ToDer encodings', () => {
  it('writes minimal positive integers: leading zeros dropped, a zero byte before a top bit', () => {
    const r = Buffer.alloc(32)
    r[31] = 1
    const s = Buffer.alloc(32, 0xff)
    const der = p1363ToDer(Buffer.concat([r, s]))
    expect(der.toString('hex')).toBe(`3026020101022100${'ff'.repeat(32)}`)
  })

  it('refuses a signature without two equal halves rather than drop a byte', () => {
    expect(() => p1363ToDer(Buffer.alloc(0))).toThrow(TypeError)
    expect(() => p1363ToDer(Buffer.alloc(65, 1))).toThrow(TypeError)
  })

  it("uses the long length form for P-521's sequences", () => {
    const half = Buffer.alloc(66, 1)
    const der = p1363ToDer(Buffer.concat([half, half]))
    expect([...der.subarray(0, 5)]).toEqual([0x30, 0x81, 136, 0x02, 66])
    expect(der.length).toBe(3 + 136)
  })
})
