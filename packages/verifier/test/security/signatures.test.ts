/**
 * Signature edge cases: CVE-2022-21449 ("psychic signatures", ECDSA r = s = 0), r or s
 * equal to the group order, DER instead of the JWS fixed-width encoding, wrong lengths,
 * and non-canonical Ed25519 signatures (S + L).
 */
import { describe, expect, it } from 'vitest'
import { expectRejected } from './helpers/expect.js'
import { createJwt, fixedBytes, fromB64url, segments, signInput } from '../helpers/tokens.js'
import { useFixtureVerifier } from './helpers/suite.js'
import { VERIFIER_PATHS } from './helpers/verifiers.js'

/** Group orders (n) of the NIST curves, and their scalar widths in bytes. */
const CURVES = {
  ES256: { width: 32, n: 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551' },
  ES384: {
    width: 48,
    n: 'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
  },
  ES512: {
    width: 66,
    n: '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
  },
} as const

/** Order of the Ed25519 base point, L = 2^252 + 27742317777372353535851937790883648493. */
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n

function littleEndian32(value: bigint): Buffer {
  const bytes = Buffer.alloc(32)
  for (let i = 0; i < 32; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn)
  return bytes
}

function fromLittleEndian(bytes: Uint8Array): bigint {
  let value = 0n
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!)
  return value
}

/** Converts a fixed-width (r || s) ECDSA signature to DER, as node signs by default. */
function toDer(raw: Uint8Array): Buffer {
  const half = raw.length / 2
  const integer = (bytes: Uint8Array): Buffer => {
    let start = 0
    while (start < bytes.length - 1 && bytes[start] === 0) start++
    let body = Buffer.from(bytes.subarray(start))
    if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body])
    return Buffer.concat([Buffer.from([0x02, body.length]), body])
  }
  const content = Buffer.concat([integer(raw.subarray(0, half)), integer(raw.subarray(half))])
  const length = content.length < 0x80 ? Buffer.from([content.length]) : Buffer.from([0x81, content.length])
  return Buffer.concat([Buffer.from([0x30]), length, content])
}

describe.each(VERIFIER_PATHS)('signature edge cases ($name)', ({ createVerifier }) => {
  const suite = useFixtureVerifier(createVerifier)

  it('accepts a genuine token for every alg (control)', async () => {
    for (const key of Object.values(suite.fixture.keys)) {
      const { protectedHeader } = await suite.verifier.verify(createJwt({ key }))
      expect(protectedHeader.kid).toBe(key.kid)
    }
  })

  describe.each(Object.entries(CURVES))('%s psychic signatures', (alg, { width, n }) => {
    const zero = fixedBytes('0', width)
    const order = fixedBytes(n, width)
    const one = fixedBytes('1', width)
    it.each([
      ['r = s = 0', [zero, zero]],
      ['r = s = n', [order, order]],
      ['r = 0, s = n', [zero, order]],
      ['r = n, s = 0', [order, zero]],
      ['r = s = 1', [one, one]],
    ] as const)('refuses %s', async (_label, [r, s]) => {
      const key = suite.fixture.keys[alg as keyof typeof CURVES]
      const token = createJwt({ key, signature: Buffer.concat([r, s]) })
      await expectRejected(suite.verifier.verify(token), 'ERR_SIGNATURE_INVALID', token)
    })

    it('refuses a genuine signature with r or s zeroed', async () => {
      const key = suite.fixture.keys[alg as keyof typeof CURVES]
      const genuine = fromB64url(segments(createJwt({ key }))[2])
      for (const signature of [
        Buffer.concat([zero, genuine.subarray(width)]),
        Buffer.concat([genuine.subarray(0, width), zero]),
      ]) {
        const token = createJwt({ key, signature })
        await expectRejected(suite.verifier.verify(token), 'ERR_SIGNATURE_INVALID', token)
      }
    })
  })

  it('refuses a genuine ECDSA signature in DER encoding', async () => {
    for (const alg of ['ES256', 'ES384', 'ES512'] as const) {
      const key = suite.fixture.keys[alg]
      const [header, payload] = segments(createJwt({ key }))
      const raw = signInput(alg, key.privateKey, `${header}.${payload}`)
      const token = `${header}.${payload}.${Buffer.from(toDer(raw)).toString('base64url')}`
      await expectRejected(suite.verifier.verify(token), ['ERR_SIGNATURE_INVALID', 'ERR_TOKEN_MALFORMED'], token)
    }
  })

  it('refuses genuine signatures truncated, extended or emptied', async () => {
    for (const key of Object.values(suite.fixture.keys)) {
      const token = createJwt({ key })
      const signature = fromB64url(segments(token)[2])
      const [header, payload] = segments(token)
      for (const forged of [
        signature.subarray(0, signature.length - 1),
        Buffer.concat([signature, Buffer.from([0])]),
        Buffer.concat([Buffer.from([0]), signature]),
        Buffer.alloc(0),
      ]) {
        const bad = `${header}.${payload}.${forged.toString('base64url')}`
        await expectRejected(suite.verifier.verify(bad), ['ERR_SIGNATURE_INVALID', 'ERR_TOKEN_MALFORMED'], bad)
      }
    }
  })

  it('refuses a non-canonical Ed25519 signature (S + L)', async () => {
    const key = suite.fixture.keys.EdDSA
    const token = createJwt({ key })
    const signature = fromB64url(segments(token)[2])
    const s = fromLittleEndian(signature.subarray(32))
    expect(s < ED25519_L).toBe(true)
    const malleated = Buffer.concat([signature.subarray(0, 32), littleEndian32(s + ED25519_L)])
    const [header, payload] = segments(token)
    const forged = `${header}.${payload}.${malleated.toString('base64url')}`
    await expectRejected(suite.verifier.verify(forged), 'ERR_SIGNATURE_INVALID', forged)
  })

  it('refuses all-zero signatures of the right length for every alg', async () => {
    for (const key of Object.values(suite.fixture.keys)) {
      const length = fromB64url(segments(createJwt({ key }))[2]).length
      const token = createJwt({ key, signature: new Uint8Array(length) })
      await expectRejected(suite.verifier.verify(token), 'ERR_SIGNATURE_INVALID', token)
    }
  })

  it('refuses a signature moved to another token of the same key', async () => {
    const key = suite.fixture.keys.ES256
    const a = segments(createJwt({ key, payload: { sub: 'alice' } }))
    const b = segments(createJwt({ key, payload: { sub: 'admin' } }))
    const token = `${b[0]}.${b[1]}.${a[2]}`
    await expectRejected(suite.verifier.verify(token), 'ERR_SIGNATURE_INVALID', token)
  })
})
