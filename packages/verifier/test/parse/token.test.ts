import { describe, expect, it } from 'vitest'
import { nodeBackend } from '../../src/backend/node.js'
import { webCryptoBackend } from '../../src/backend/webcrypto.js'
import { VerifyError, type VerifyErrorCode } from '../../src/errors.js'
import { createJwsParser, parseClaimsSet } from '../../src/parse/token.js'
import { keyPair } from '../helpers/keys.js'
import { b64url, claimsText, signRaw } from '../helpers/tokens.js'

const DECODERS = [
  { name: 'webcrypto', decodeText: webCryptoBackend.decodeText },
  { name: 'node', decodeText: nodeBackend.decodeText },
]

function failure(run: () => unknown): VerifyError {
  try {
    run()
  } catch (err) {
    expect(err).toBeInstanceOf(VerifyError)
    return err as VerifyError
  }
  throw new Error('expected a VerifyError')
}

describe.each(DECODERS)('createJwsParser and parseClaimsSet ($name decoding)', ({ decodeText }) => {
  const parseJws = createJwsParser({ maxLength: 16 * 1024, decodeText })
  /** The two steps a JWT takes: the JWS, then its claims. */
  const parse = (token: unknown) => {
    const jws = parseJws(token)
    return { ...jws, claims: parseClaimsSet(jws.payload, decodeText) }
  }
  const pair = keyPair('ES256')
  const sign = (header: string, payload: string): string => signRaw('ES256', pair.privateKey, b64url(header), b64url(payload))
  const validHeader = '{"alg":"ES256","kid":"k"}'

  function expectCode(token: unknown, code: VerifyErrorCode): VerifyError {
    const error = failure(() => parse(token))
    expect(error.code, error.message).toBe(code)
    if (typeof token === 'string' && token.length > 20) {
      for (const part of token.split('.')) if (part.length >= 16) expect(error.message).not.toContain(part)
    }
    return error
  }

  it('takes a valid token apart', () => {
    const token = sign(validHeader, claimsText(',"scope":"a b"'))
    const parsed = parse(token)
    const [header, payload, signature] = token.split('.')
    expect(parsed.header).toEqual({ alg: 'ES256', kid: 'k' })
    expect(parsed.payload).toBe(payload)
    expect(parsed.claims['scope']).toBe('a b')
    expect(parsed.signingInput).toBe(`${header}.${payload}`)
    expect(parsed.signature).toBe(signature)
  })

  it('leaves a payload that is no JSON to the claims step', () => {
    const token = sign(validHeader, 'not JSON: any bytes may be signed')
    expect(parseJws(token).header.alg).toBe('ES256')
    expectCode(token, 'ERR_TOKEN_MALFORMED')
  })

  it('shares one frozen header between tokens with the same header', () => {
    const first = parse(sign(validHeader, claimsText()))
    const second = parse(sign(validHeader, claimsText(',"n":2')))
    expect(second.header).toBe(first.header)
    expect(Object.isFrozen(first.header)).toBe(true)
  })

  it('refuses what is not a string', () => {
    for (const token of [undefined, null, 42, {}, ['a.b.c']]) expectCode(token, 'ERR_TOKEN_MALFORMED')
  })

  it('refuses a token over the length cap before looking inside', () => {
    const short = createJwsParser({ maxLength: 100, decodeText })
    const token = sign(validHeader, claimsText())
    const error = failure(() => short(token))
    expect(error.code).toBe('ERR_TOKEN_TOO_LONG')
    expect(failure(() => short('x'.repeat(101))).code).toBe('ERR_TOKEN_TOO_LONG')
  })

  it('refuses anything but three non-empty parts', () => {
    const token = sign(validHeader, claimsText())
    const [h, p, s] = token.split('.')
    for (const bad of [`${h}.${p}`, `${token}.${s}`, `${h}..${s}`, `.${p}.${s}`, `${h}.${p}.`, '', '..', `${h}.${p}.${s}.`]) {
      expectCode(bad, 'ERR_TOKEN_MALFORMED')
    }
  })

  it('refuses padding, whitespace and characters outside base64url in any part', () => {
    const token = sign(validHeader, claimsText())
    const [h, p, s] = token.split('.') as [string, string, string]
    const variants = [
      `${h}=.${p}.${s}`,
      `${h}.${p}.${s}==`,
      ` ${token}`,
      `${token}\n`,
      `${h}.${p.slice(0, 10)} ${p.slice(10)}.${s}`,
      `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}+`,
      `${h}.${p}.${s.slice(0, -1)}\u00e9`,
    ]
    for (const bad of variants) expectCode(bad, 'ERR_TOKEN_MALFORMED')
  })

  it('refuses a non-canonical encoding (stray trailing bits) of a signed header, payload or signature', () => {
    // Make each part's length leave stray bits, then set them: the bytes decode the same.
    const header = '{"alg":"ES256","kid":"k1"}' // 26 bytes: 35 chars, 2 stray bits
    const payload = claimsText(',"x":"y"')
    const setStrayBits = (part: string): string => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
      const last = alphabet.indexOf(part.at(-1)!)
      return part.slice(0, -1) + alphabet[last | 1]
    }
    const h = b64url(header)
    expect(h.length % 4).not.toBe(0)
    expect(Buffer.from(setStrayBits(h), 'base64url').toString()).toBe(header)
    expectCode(signRaw('ES256', pair.privateKey, setStrayBits(h), b64url(payload)), 'ERR_TOKEN_MALFORMED')
    let padded = payload
    while (b64url(padded).length % 4 === 0) padded += ' '
    expectCode(signRaw('ES256', pair.privateKey, h, setStrayBits(b64url(padded))), 'ERR_TOKEN_MALFORMED')
    const token = signRaw('ES256', pair.privateKey, h, b64url(payload))
    const [a, b, s] = token.split('.') as [string, string, string]
    expect(s.length % 4).toBe(2)
    expectCode(`${a}.${b}.${setStrayBits(s)}`, 'ERR_TOKEN_MALFORMED')
  })

  it('refuses a header or payload that is not UTF-8', () => {
    const bad = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) // {"a":"\xff\xfe"}
    const error = expectCode(signRaw('ES256', pair.privateKey, b64url(validHeader), b64url(bad)), 'ERR_TOKEN_MALFORMED')
    expect(error.message).toContain('UTF-8')
    expectCode(signRaw('ES256', pair.privateKey, b64url(Buffer.from([0xc3, 0x28])), b64url(claimsText())), 'ERR_TOKEN_MALFORMED')
  })

  it('reads non-ASCII UTF-8 claims', () => {
    const parsed = parse(sign(validHeader, claimsText(',"name":"Zoë 東京"')))
    expect(parsed.claims['name']).toBe('Zoë 東京')
  })

  it('refuses a header or payload that is not a JSON object, or has a byte order mark', () => {
    for (const payload of ['[1,2]', '"claims"', '42', 'null', '{"a":1', `\ufeff${claimsText()}`]) {
      expectCode(sign(validHeader, payload), 'ERR_TOKEN_MALFORMED')
    }
    expectCode(sign('["ES256"]', claimsText()), 'ERR_TOKEN_MALFORMED')
  })

  it('refuses duplicate members and __proto__ in the header and the payload', () => {
    expectCode(sign('{"alg":"ES256","alg":"none"}', claimsText()), 'ERR_TOKEN_MALFORMED')
    expectCode(sign(validHeader, claimsText(',"sub":"admin"')), 'ERR_TOKEN_MALFORMED')
    expectCode(sign(validHeader, claimsText(',"__proto__":{"admin":true}')), 'ERR_TOKEN_MALFORMED')
    expectCode(sign('{"alg":"ES256","__proto__":{"kid":"x"}}', claimsText()), 'ERR_TOKEN_MALFORMED')
  })

  it('requires a string alg, and a string kid and typ when present', () => {
    expectCode(sign('{"kid":"k"}', claimsText()), 'ERR_TOKEN_MALFORMED')
    expectCode(sign('{"alg":256}', claimsText()), 'ERR_TOKEN_MALFORMED')
    expectCode(sign('{"alg":"ES256","kid":7}', claimsText()), 'ERR_TOKEN_MALFORMED')
    expectCode(sign('{"alg":"ES256","typ":["at+jwt"]}', claimsText()), 'ERR_TOKEN_MALFORMED')
  })

  it('refuses any crit, well-formed or not, and b64 other than true', () => {
    for (const crit of ['["exp"]', '["b64"]', '[]', '"exp"', '[1]', 'null']) {
      expectCode(sign(`{"alg":"ES256","crit":${crit}}`, claimsText()), 'ERR_HEADER_UNSUPPORTED')
    }
    expectCode(sign('{"alg":"ES256","b64":false,"crit":["b64"]}', claimsText()), 'ERR_HEADER_UNSUPPORTED')
    expectCode(sign('{"alg":"ES256","b64":false}', claimsText()), 'ERR_HEADER_UNSUPPORTED')
    expectCode(sign('{"alg":"ES256","b64":"false"}', claimsText()), 'ERR_HEADER_UNSUPPORTED')
    expect(parse(sign('{"alg":"ES256","b64":true}', claimsText())).header['b64']).toBe(true)
  })

  it('does not remember a refused header', () => {
    const header = '{"alg":"ES256","crit":["x"]}'
    expectCode(sign(header, claimsText()), 'ERR_HEADER_UNSUPPORTED')
    expectCode(sign(header, claimsText()), 'ERR_HEADER_UNSUPPORTED')
  })
})
