import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCommandLine } from '../../src/cli/options.js'
import { decodeBase64url } from '../../src/jose/base64url.js'
import { type CoreFixture, rejectionOf, startIssuer } from '../core/helpers.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * The same bytes written differently: the last character of the last part with one of its
 * unused low bits set. Node's decoder reads both strings as the same bytes.
 */
function withNonCanonicalEnd(text: string): string {
  const rest = text.split('.').at(-1)!.length % 4
  expect(rest === 2 || rest === 3).toBe(true)
  const last = ALPHABET.indexOf(text.at(-1)!)
  return text.slice(0, -1) + ALPHABET[last | 1]!
}

let f: CoreFixture
beforeAll(async () => {
  f = await startIssuer()
  await f.issuer.registerClient('shop')
})
afterAll(async () => {
  await f.close()
})

describe('each token has exactly one spelling', () => {
  it('a refresh token with its last character changed to a non-canonical twin does not open', async () => {
    const pair = await f.issuer.issue('shop', { claims: { sub: 'u1' } })
    const twin = withNonCanonicalEnd(pair.refreshToken)
    expect(twin).not.toBe(pair.refreshToken)
    const tag = twin.split('.').at(-1)!
    expect(Buffer.from(tag, 'base64url')).toEqual(Buffer.from(pair.refreshToken.split('.').at(-1)!, 'base64url'))
    const err = await rejectionOf(f.issuer.renew('shop', twin))
    expect(err.code).toBe('invalid_grant')
    // The token as issued still renews: only the twin was refused.
    expect((await f.issuer.renew('shop', pair.refreshToken)).id).toBe(pair.id)
  })

  it('the decoder refuses trailing bits, and accepts every canonical length', () => {
    expect(() => decodeBase64url('AB', 'part')).toThrow(/not base64url/)
    expect(() => decodeBase64url('AAB', 'part')).toThrow(/not base64url/)
    expect(decodeBase64url('AA', 'part')).toEqual(Buffer.from([0]))
    expect(decodeBase64url('AAA', 'part')).toEqual(Buffer.from([0, 0]))
    expect(decodeBase64url('AAAA', 'part')).toEqual(Buffer.from([0, 0, 0]))
    expect(decodeBase64url('_w', 'part')).toEqual(Buffer.from([255]))
  })
})

describe('the admin token is usable in an Authorization: Bearer header', () => {
  it('refuses at start a token outside the Bearer alphabet, on the command line and in the library', async () => {
    for (const token of ['has spaces in it, 0123456789', 'quotes"are-not-allowed-0123', 'ünïcode-admin-token-0123456']) {
      expect(() => parseCommandLine(['--adminToken', token], {}), token).toThrow(/Authorization: Bearer/)
      const err = await rejectionOf(startIssuer({ adminToken: token }))
      expect(err).toBeInstanceOf(TypeError)
      expect(err.message).toMatch(/Authorization: Bearer/)
      expect(err.message).not.toContain(token)
    }
    expect(parseCommandLine(['--adminToken', 'abc-DEF_123.456~789+/=='], {}).adminToken).toBe('abc-DEF_123.456~789+/==')
  })
})
