import { sign, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { derToP1363, p1363ToDer } from '../../src/jose/ecdsa-signature.js'
import { generateKeyPairViaDer } from '../helpers/key-pair.js'

const CURVES = [
  ['P-256', 'sha256', 32],
  ['P-384', 'sha384', 48],
  ['P-521', 'sha512', 66],
] as const

describe.each(CURVES)('ECDSA signatures on %s', (namedCurve, hash, size) => {
  const { privateKey, publicKey } = generateKeyPairViaDer('ec', { namedCurve })
  const messages = Array.from({ length: 100 }, (_, i) => Buffer.from(`message ${i}`))

  it('converts to P1363 exactly as node:crypto does, and back to the DER it signed', () => {
    let leadingZero = 0
    // A half starts with a zero byte 1 time in 256 (and has its top bit set 1 time in 2 on
    // P-256 and P-384): a fixed count of signatures would leave the zero byte out now and
    // then, so signing goes on until it came up (or a bound that only a broken signer reaches).
    for (let i = 0; i < 600 || (leadingZero === 0 && i < 20_000); i++) {
      const message = Buffer.from(`message ${i}`)
      const der = sign(hash, message, privateKey)
      const p1363 = derToP1363(der, size)
      expect(p1363.length).toBe(size * 2)
      expect(verify(hash, message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, p1363)).toBe(true)
      expect(p1363ToDer(p1363).equals(der)).toBe(true)
      if (p1363[0] === 0 || p1363[size] === 0) leadingZero++
    }
    expect(leadingZero).toBeGreaterThan(0)
  })

  it("turns node:crypto's own P1363 signatures into DER that verifies", () => {
    for (const message of messages) {
      const p1363 = sign(hash, message, { key: privateKey, dsaEncoding: 'ieee-p1363' })
      expect(verify(hash, message, publicKey, p1363ToDer(p1363))).toBe(true)
    }
  })

  it('keeps a forged signature forged: zero halves, the halves swapped, a bit flipped', () => {
    const message = messages[0]!
    const good = derToP1363(sign(hash, message, privateKey), size)
    const zero = Buffer.alloc(size * 2)
    const swapped = Buffer.concat([good.subarray(size), good.subarray(0, size)])
    const flipped = Buffer.from(good)
    flipped[size * 2 - 1]! ^= 1
    for (const forged of [zero, swapped, flipped]) {
      expect(verify(hash, message, publicKey, p1363ToDer(forged))).toBe(false)
    }
  })
})

it('p1363ToDer refuses a signature without two equal halves', () => {
  expect(() => p1363ToDer(Buffer.alloc(0))).toThrow(/two equal halves/)
  expect(() => p1363ToDer(Buffer.alloc(63, 1))).toThrow(/two equal halves/)
})

describe('derToP1363 refuses what is not a DER signature', () => {
  const valid = sign('sha256', Buffer.from('data'), generateKeyPairViaDer('ec', { namedCurve: 'P-256' }).privateKey)

  it.each([
    ['an empty input', Buffer.alloc(0)],
    ['another tag', Buffer.from([0x31, ...valid.subarray(1)])],
    ['a byte too many', Buffer.concat([valid, Buffer.from([0])])],
    ['a byte too few', valid.subarray(0, valid.length - 1)],
    ['a non-minimal long length', Buffer.from([0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01])],
    ['an integer too long for the curve', Buffer.from([0x30, 0x26, 0x02, 0x21, 0x01, ...Buffer.alloc(32, 1), 0x02, 0x01, 0x01])],
    ['something other than an integer', Buffer.from([0x30, 0x06, 0x04, 0x01, 0x01, 0x02, 0x01, 0x01])],
  ])('%s', (_name, der) => {
    expect(() => derToP1363(der, 32)).toThrow(/DER signature/)
  })
})
