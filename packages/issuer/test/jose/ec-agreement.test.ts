import { createECDH } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { agreeEphemeral, agreeEphemeralToSelf, agreeWithEphemeral } from '../../src/jose/ec-agreement.js'
import { ecCurveByName } from '../../src/jose/jose-algorithms.js'
import { generateKeyPairViaDer } from '../helpers/key-pair.js'

const CURVES = [
  ['P-256', 'prime256v1'],
  ['P-384', 'secp384r1'],
  ['P-521', 'secp521r1'],
] as const

describe.each(CURVES)('ECDH-ES to oneself on %s', (crv, namedCurve) => {
  it('knows the order of the base point: (n-1)·G is -G, and n is no private key', () => {
    const curve = ecCurveByName(crv)!
    const scalar = (value: bigint) => Buffer.from(value.toString(16).padStart(curve.size * 2, '0'), 'hex')
    const publicOf = (value: bigint) => {
      const ecdh = createECDH(namedCurve)
      ecdh.setPrivateKey(scalar(value))
      return ecdh.getPublicKey()
    }
    const base = publicOf(1n)
    const minusBase = publicOf(curve.order - 1n)
    expect(minusBase.subarray(1, 1 + curve.size).equals(base.subarray(1, 1 + curve.size))).toBe(true)
    expect(minusBase.equals(base)).toBe(false)
    expect(() => publicOf(curve.order)).toThrow()
  })

  it('agrees the very secret that ECDH of the ephemeral key with the public key gives', () => {
    // Fresh recipient keys as well as fresh ephemeral keys: a wrong curve order shows on the first few.
    for (let i = 0; i < 40; i++) {
      const { privateKey, publicKey } = generateKeyPairViaDer('ec', { namedCurve: crv })
      const { sharedSecret, epk } = agreeEphemeralToSelf(privateKey)
      const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url')
      const recipient = createECDH(namedCurve)
      recipient.setPrivateKey(d)
      const point = Buffer.concat([Buffer.from([4]), Buffer.from(epk.x, 'base64url'), Buffer.from(epk.y, 'base64url')])
      expect(sharedSecret.equals(recipient.computeSecret(point))).toBe(true)
      expect(sharedSecret.equals(agreeWithEphemeral(privateKey, epk))).toBe(true)
      expect(epk.crv).toBe(crv)
      // The sender's usual half, on the public key, agrees the same kind of secret.
      const usual = agreeEphemeral(publicKey)
      expect(usual.sharedSecret.equals(agreeWithEphemeral(privateKey, usual.epk))).toBe(true)
      expect(usual.sharedSecret.length).toBe(sharedSecret.length)
    }
  })

  it('takes a new ephemeral key every time', () => {
    const { privateKey } = generateKeyPairViaDer('ec', { namedCurve: crv })
    const first = agreeEphemeralToSelf(privateKey)
    const second = agreeEphemeralToSelf(privateKey)
    expect(first.epk.x).not.toBe(second.epk.x)
    expect(first.sharedSecret.equals(second.sharedSecret)).toBe(false)
  })

  it('keeps both halves apart when calls alternate between them and between curves', () => {
    const own = generateKeyPairViaDer('ec', { namedCurve: crv })
    const other = generateKeyPairViaDer('ec', { namedCurve: crv === 'P-256' ? 'P-384' : 'P-256' })
    const agreements = Array.from({ length: 6 }, (_, i) =>
      i % 3 === 0
        ? { key: own.privateKey, made: agreeEphemeralToSelf(own.privateKey) }
        : i % 3 === 1
          ? { key: own.privateKey, made: agreeEphemeral(own.publicKey) }
          : { key: other.privateKey, made: agreeEphemeral(other.publicKey) },
    )
    expect(new Set(agreements.map(({ made }) => made.epk.x)).size).toBe(agreements.length)
    for (const { key, made } of agreements) expect(made.sharedSecret.equals(agreeWithEphemeral(key, made.epk))).toBe(true)
  })
})

it('refuses a public key: to oneself means with the private key', () => {
  const { publicKey } = generateKeyPairViaDer('ec', { namedCurve: 'P-256' })
  expect(() => agreeEphemeralToSelf(publicKey)).toThrow(/private key/)
})
