import { sign } from 'node:crypto'
import { CompactSign, compactVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { signJws } from '../../src/jose/jws-sign.js'
import { UnknownKeyError, verifyJws } from '../../src/jose/jws-verify.js'
import { b64json, flipped, keyPair, withPart } from './helpers.js'

const ALGS: Array<[alg: string, key: string]> = [
  ['ES256', 'P-256'],
  ['ES384', 'P-384'],
  ['ES512', 'P-521'],
  ['EdDSA', 'Ed25519'],
  ['RS256', 'RSA-2048'],
  ['RS384', 'RSA-2048'],
  ['RS512', 'RSA-2048'],
  ['PS256', 'RSA-2048'],
  ['PS384', 'RSA-2048'],
  ['PS512', 'RSA-2048'],
]

const CLAIMS = { iss: 'JWTIS', sub: 'user-1', n: 1, text: 'é ✓' }

function header(alg: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ alg, kid: 'k1', typ: 'at+jwt', ...extra })
}

function verifier(alg: string, keyName: string, typ?: string) {
  const { publicKey } = keyPair(keyName)
  return (token: string) => verifyJws(token, { algorithm: alg, typ, keyFor: (kid) => (kid === 'k1' ? publicKey : undefined) })
}

describe.each(ALGS)('%s', (alg, keyName) => {
  it('signs what jose verifies', async () => {
    const { privateKey, publicKey } = keyPair(keyName)
    const token = signJws(alg, privateKey, header(alg), JSON.stringify(CLAIMS))
    const { payload, protectedHeader } = await compactVerify(token, publicKey, { algorithms: [alg] })
    expect(protectedHeader).toEqual({ alg, kid: 'k1', typ: 'at+jwt' })
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(CLAIMS)
  })

  it('verifies what jose signs, and nothing tampered', async () => {
    const { privateKey } = keyPair(keyName)
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(CLAIMS)))
      .setProtectedHeader({ alg, kid: 'k1', typ: 'rt+jwt' })
      .sign(privateKey)
    const verify = verifier(alg, keyName, 'rt+jwt')
    const { header: decoded, payload } = verify(token)
    expect(decoded).toEqual({ alg, kid: 'k1', typ: 'rt+jwt' })
    expect(JSON.parse(payload.toString('utf8'))).toEqual(CLAIMS)
    const [, body, signature] = token.split('.') as [string, string, string]
    expect(() => verify(withPart(token, 2, flipped(signature)))).toThrow(/does not verify/)
    expect(() => verify(withPart(token, 1, b64json({ ...CLAIMS, sub: 'user-2' })))).toThrow(/does not verify/)
    expect(() => verify(withPart(token, 0, b64json({ alg, kid: 'k1', typ: 'at+jwt' })))).toThrow(/typ/)
    expect(body).not.toBe('')
  })
})

describe('verifyJws refuses', () => {
  const { privateKey } = keyPair('P-256')
  const payload = JSON.stringify(CLAIMS)
  const verify = verifier('ES256', 'P-256', 'at+jwt')

  it('another alg, and alg none', () => {
    const rs = signJws('RS256', keyPair('RSA-2048').privateKey, header('RS256'), payload)
    expect(() => verify(rs)).toThrow(/alg/)
    const none = `${b64json({ alg: 'none', kid: 'k1', typ: 'at+jwt' })}.${Buffer.from(payload).toString('base64url')}.`
    expect(() => verify(none)).toThrow(/alg/)
  })

  it('header members the issuer never sets: crit, jwk, b64', () => {
    for (const extra of [{ crit: ['exp'] }, { jwk: { kty: 'EC' } }, { b64: false }]) {
      const token = signJws('ES256', privateKey, header('ES256', extra), payload)
      expect(() => verify(token)).toThrow(/member/)
    }
  })

  it('a token without a kid, and names an unknown kid', () => {
    const noKid = signJws('ES256', privateKey, JSON.stringify({ alg: 'ES256', typ: 'at+jwt' }), payload)
    expect(() => verify(noKid)).toThrow(/names no key/)
    const unknown = signJws('ES256', privateKey, header('ES256', { kid: 'k9' }), payload)
    const err = (() => {
      try {
        verify(unknown)
      } catch (caught) {
        return caught
      }
      return undefined
    })()
    expect(err).toBeInstanceOf(UnknownKeyError)
    expect((err as UnknownKeyError).kid).toBe('k9')
  })

  it('an ECDSA signature that is not exactly r || s', () => {
    const token = signJws('ES256', privateKey, header('ES256'), payload)
    const [h, p] = token.split('.') as [string, string]
    // The same signature in DER, as node:crypto makes it by default.
    const der = sign('sha256', Buffer.from(`${h}.${p}`), privateKey).toString('base64url')
    expect(() => verify(`${h}.${p}.${der}`)).toThrow(/length/)
    const short = Buffer.from(token.split('.')[2]!, 'base64url').subarray(0, 63).toString('base64url')
    expect(() => verify(`${h}.${p}.${short}`)).toThrow(/length/)
  })

  it('malformed compact serializations', () => {
    const token = signJws('ES256', privateKey, header('ES256'), payload)
    expect(() => verify(`${token}.x`)).toThrow(/three parts/)
    expect(() => verify(token.split('.').slice(0, 2).join('.'))).toThrow(/three parts/)
    expect(() => verify(withPart(token, 1, `${token.split('.')[1]}=`))).toThrow(/base64url/)
    expect(() => verify(withPart(token, 0, 'eyJhbGciOiJFUzI1NiJ9+'))).toThrow(/header/)
    expect(() => verify(withPart(token, 0, b64json(['ES256'])))).toThrow(/JSON object/)
  })

  it('a key that does not fit the alg', () => {
    const p384 = keyPair('P-384')
    expect(() => signJws('ES256', p384.privateKey, header('ES256'), payload)).toThrow(/does not fit ES256/)
    const token = signJws('ES256', privateKey, header('ES256'), payload)
    expect(() => verifyJws(token, { algorithm: 'ES256', keyFor: () => p384.publicKey })).toThrow(/does not fit/)
    expect(() => verifyJws(token, { algorithm: 'ES256', keyFor: () => privateKey })).toThrow(/public key/)
    const small = keyPair('RSA-1024')
    expect(() => signJws('RS256', small.privateKey, header('RS256'), payload)).toThrow(/does not fit RS256/)
    expect(() => signJws('HS256', privateKey, header('HS256'), payload)).toThrow(/unsupported/)
  })
})
