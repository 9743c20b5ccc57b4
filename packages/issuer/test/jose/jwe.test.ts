import { CompactEncrypt, compactDecrypt } from 'jose'
import { describe, expect, it } from 'vitest'
import { decryptJwe } from '../../src/jose/jwe-decrypt.js'
import { encryptJwe } from '../../src/jose/jwe-encrypt.js'
import { b64json, flipped, headerOf, keyPair, withPart } from './helpers.js'

const MANAGEMENT: Array<[alg: string, key: string]> = [
  ['ECDH-ES', 'P-256'],
  ['ECDH-ES', 'P-384'],
  ['ECDH-ES', 'P-521'],
  ['ECDH-ES+A128KW', 'P-256'],
  ['ECDH-ES+A192KW', 'P-384'],
  ['ECDH-ES+A256KW', 'P-256'],
  ['ECDH-ES+A256KW', 'P-521'],
  ['RSA-OAEP', 'RSA-2048'],
  ['RSA-OAEP-256', 'RSA-2048'],
]
const CONTENT = ['A128GCM', 'A192GCM', 'A256GCM']
const CASES = MANAGEMENT.flatMap(([alg, key]) => CONTENT.map((enc) => [alg, key, enc] as const))

// A nested JWT's worth of text, not a multiple of the AES block.
const PLAINTEXT = `eyJhbGciOiJFUzI1NiJ9.${'x'.repeat(301)}.é✓`

describe.each(CASES)('%s on %s with %s', (alg, keyName, enc) => {
  it('encrypts to itself, given the private key, what jose decrypts with that key', async () => {
    const { privateKey } = keyPair(keyName)
    const tokens = [0, 1, 2].map(() => encryptJwe(PLAINTEXT, { alg, enc, key: privateKey, kid: 'e1', cty: 'JWT' }))
    for (const token of tokens) {
      const { plaintext, protectedHeader } = await compactDecrypt(token, privateKey, {
        keyManagementAlgorithms: [alg],
        contentEncryptionAlgorithms: [enc],
      })
      expect(new TextDecoder().decode(plaintext)).toBe(PLAINTEXT)
      expect(protectedHeader).toMatchObject({ alg, enc, kid: 'e1', cty: 'JWT' })
      expect(decryptJwe(token, { alg, enc, key: privateKey }).plaintext.toString('utf8')).toBe(PLAINTEXT)
    }
    if (alg.startsWith('ECDH')) expect(new Set(tokens.map((token) => JSON.stringify(headerOf(token)['epk']))).size).toBe(3)
  })

  it('encrypts what jose decrypts, with a fresh ephemeral key and IV each time', async () => {
    const { publicKey, privateKey } = keyPair(keyName)
    const first = encryptJwe(PLAINTEXT, { alg, enc, key: publicKey, kid: 'e1', cty: 'JWT' })
    const second = encryptJwe(PLAINTEXT, { alg, enc, key: publicKey, kid: 'e1', cty: 'JWT' })
    for (const token of [first, second]) {
      const { plaintext, protectedHeader } = await compactDecrypt(token, privateKey, {
        keyManagementAlgorithms: [alg],
        contentEncryptionAlgorithms: [enc],
      })
      expect(new TextDecoder().decode(plaintext)).toBe(PLAINTEXT)
      expect(protectedHeader).toMatchObject({ alg, enc, kid: 'e1', cty: 'JWT' })
    }
    expect(first.split('.')[2]).not.toBe(second.split('.')[2])
    if (alg.startsWith('ECDH')) {
      expect(headerOf(first)['epk']).toMatchObject({ kty: 'EC', crv: keyName })
      expect(headerOf(first)['epk']).not.toEqual(headerOf(second)['epk'])
    }
    if (alg === 'ECDH-ES') expect(first.split('.')[1]).toBe('')
  })

  it('decrypts what jose encrypts, and nothing tampered', async () => {
    const { publicKey, privateKey } = keyPair(keyName)
    const token = await new CompactEncrypt(new TextEncoder().encode(PLAINTEXT))
      .setProtectedHeader({ alg, enc, kid: 'e1', cty: 'JWT' })
      .encrypt(publicKey)
    const decrypt = (jwe: string) => decryptJwe(jwe, { alg, enc, key: privateKey })
    const { plaintext, header } = decrypt(token)
    expect(plaintext.toString('utf8')).toBe(PLAINTEXT)
    expect(header).toMatchObject({ alg, enc, kid: 'e1', cty: 'JWT' })
    const parts = token.split('.') as [string, string, string, string, string]
    for (const index of [2, 3, 4]) expect(() => decrypt(withPart(token, index, flipped(parts[index]!)))).toThrow()
    // The header is the additional data: changing any of it breaks the tag.
    expect(() => decrypt(withPart(token, 0, b64json({ ...header, kid: 'e2' })))).toThrow(/does not decrypt/)
    if (parts[1] !== '') expect(() => decrypt(withPart(token, 1, flipped(parts[1])))).toThrow()
  })
})

describe('decryptJwe refuses', () => {
  const { publicKey, privateKey } = keyPair('P-256')
  const alg = 'ECDH-ES+A256KW'
  const enc = 'A256GCM'
  const token = encryptJwe(PLAINTEXT, { alg, enc, key: publicKey, kid: 'e1', cty: 'JWT' })
  const decrypt = (jwe: string, options: { alg?: string; enc?: string } = {}) =>
    decryptJwe(jwe, { alg: options.alg ?? alg, enc: options.enc ?? enc, key: privateKey })
  const header = headerOf(token)
  const epk = header['epk'] as { kty: string; crv: string; x: string; y: string }
  const parts = token.split('.') as [string, string, string, string, string]

  it('another alg or enc than the one accepted', () => {
    expect(decrypt(token).plaintext.toString('utf8')).toBe(PLAINTEXT)
    expect(() => decrypt(token, { alg: 'ECDH-ES+A128KW' })).toThrow(/alg or enc/)
    expect(() => decrypt(token, { enc: 'A128GCM' })).toThrow(/alg or enc/)
    expect(() => decrypt(token, { alg: 'RSA1_5' })).toThrow(/unsupported/)
    expect(() => decrypt(token, { enc: 'A128CBC-HS256' })).toThrow(/unsupported/)
  })

  it('an epk that is not a point on the key curve', () => {
    const y = Buffer.from(epk.y, 'base64url')
    y[31] = (y[31] ?? 0) ^ 1
    const offCurve = withPart(token, 0, b64json({ ...header, epk: { ...epk, y: y.toString('base64url') } }))
    expect(() => decrypt(offCurve)).toThrow(/not a point on the curve/)
    const other = encryptJwe(PLAINTEXT, { alg, enc, key: keyPair('P-384').publicKey })
    const p384 = withPart(token, 0, b64json({ ...header, epk: headerOf(other)['epk'] }))
    expect(() => decrypt(p384)).toThrow(/curve/)
    const short = withPart(token, 0, b64json({ ...header, epk: { ...epk, x: epk.x.slice(0, 40) } }))
    expect(() => decrypt(short)).toThrow(/coordinate/)
  })

  it('an epk with members beyond a public EC key, or none at all', () => {
    const withD = withPart(token, 0, b64json({ ...header, epk: { ...epk, d: epk.x } }))
    expect(() => decrypt(withD)).toThrow(/epk has members/)
    const { epk: _, ...noEpk } = header
    expect(() => decrypt(withPart(token, 0, b64json(noEpk)))).toThrow(/epk/)
  })

  it('header members the issuer never sets: zip, apu, crit', () => {
    for (const extra of [{ zip: 'DEF' }, { apu: 'QWxpY2U' }, { crit: ['exp'] }]) {
      expect(() => decrypt(withPart(token, 0, b64json({ ...header, ...extra })))).toThrow(/member/)
    }
  })

  it('a truncated tag, a long IV, or a wrapped key of the wrong length', () => {
    const tag = Buffer.from(parts[4], 'base64url')
    expect(() => decrypt(withPart(token, 4, tag.subarray(0, 12).toString('base64url')))).toThrow(/tag/)
    expect(() => decrypt(withPart(token, 2, Buffer.alloc(16, 1).toString('base64url')))).toThrow(/IV/)
    const wrapped = Buffer.from(parts[1], 'base64url')
    expect(() => decrypt(withPart(token, 1, wrapped.subarray(0, 32).toString('base64url')))).toThrow(/wrapped key/)
  })

  it('a direct ECDH-ES JWE that carries an encrypted key', () => {
    const direct = encryptJwe(PLAINTEXT, { alg: 'ECDH-ES', enc, key: publicKey })
    expect(decryptJwe(direct, { alg: 'ECDH-ES', enc, key: privateKey }).plaintext.toString('utf8')).toBe(PLAINTEXT)
    expect(() => decryptJwe(withPart(direct, 1, 'AAAA'), { alg: 'ECDH-ES', enc, key: privateKey })).toThrow(/empty/)
  })

  it('malformed compact serializations, and a key of the wrong kind', () => {
    expect(() => decrypt(parts.slice(0, 4).join('.'))).toThrow(/five parts/)
    expect(() => decrypt(`${token}.`)).toThrow(/five parts/)
    expect(() => decrypt(withPart(token, 3, `${parts[3]}*`))).toThrow(/base64url/)
    expect(() => decryptJwe(token, { alg, enc, key: publicKey })).toThrow(/private key/)
    expect(() => decryptJwe(token, { alg, enc, key: keyPair('RSA-2048').privateKey })).toThrow(/does not fit/)
    expect(() => encryptJwe(PLAINTEXT, { alg: 'RSA-OAEP', enc, key: keyPair('RSA-1024').publicKey })).toThrow(/does not fit/)
  })
})
