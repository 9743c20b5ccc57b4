/**
 * RFC 7515 §2 / §7.1 and RFC 8725 §3.4: the compact form is three base64url segments
 * without padding, whitespace or the standard alphabet, canonical down to the unused bits,
 * holding JSON objects with unique member names, within a length cap. Every forgery below
 * carries a genuine signature over exactly the bytes it presents, so only its form is bad.
 */
import { CompactEncrypt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRejected } from './helpers/expect.js'
import { type SecurityFixture, startFixture } from './helpers/fixture.js'
import type { TestKeyPair } from '../helpers/keys.js'
import { b64url, claims, createJwt, fromB64url, segments, signSegments } from '../helpers/tokens.js'
import { type TestVerifier, VERIFIER_PATHS } from './helpers/verifiers.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** A header JSON text whose byte length leaves a remainder of `remainder` mod 3. */
function headerWithRemainder(key: TestKeyPair, remainder: 1 | 2): string {
  for (let pad = 0; ; pad++) {
    const text = JSON.stringify({ alg: key.alg, kid: key.kid, 'x-pad': 'p'.repeat(pad) })
    if (Buffer.byteLength(text) % 3 === remainder) return text
  }
}

/** A claims JSON text whose byte length leaves a remainder of `remainder` mod 3. */
function payloadWithRemainder(remainder: 1 | 2): string {
  for (let pad = 0; ; pad++) {
    const text = JSON.stringify(claims({ 'x-pad': 'p'.repeat(pad) }))
    if (Buffer.byteLength(text) % 3 === remainder) return text
  }
}

/** Sets the unused low bits of a segment's last character (length mod 4 must be 2 or 3). */
function setUnusedBits(segment: string): string {
  const unusedMask = segment.length % 4 === 2 ? 0x0f : 0x03
  const last = ALPHABET.indexOf(segment.at(-1)!)
  return segment.slice(0, -1) + ALPHABET[last | unusedMask]
}

/** Signs `[header, payload]` text after `mangle` rewrote the encoded segments. */
function forge(key: TestKeyPair, header: string, payload: string, mangle: (h: string, p: string) => [string, string]) {
  const [h, p] = mangle(b64url(header), b64url(payload))
  return signSegments(h, p, key.alg, key)
}

/** A genuine token whose total length is within 4 characters above or below `target`. */
function tokenNear(key: TestKeyPair, target: number, side: 'below' | 'above'): string {
  const base = createJwt({ key, payload: { pad: '' } }).length
  let pad = Math.max(0, Math.floor(((target - base) * 3) / 4) - 8)
  for (;;) {
    const token = createJwt({ key, payload: { pad: 'x'.repeat(pad) } })
    if (side === 'below' && token.length > target) return createJwt({ key, payload: { pad: 'x'.repeat(pad - 3) } })
    if (side === 'above' && token.length > target) return token
    pad++
  }
}

describe.each(VERIFIER_PATHS)('compact serialization ($name)', ({ createVerifier }) => {
  let fixture: SecurityFixture
  let verifier: TestVerifier
  let key: TestKeyPair

  beforeAll(async () => {
    fixture = await startFixture()
    verifier = createVerifier(fixture.options())
    key = fixture.keys.ES256
  })
  afterAll(async () => {
    await verifier?.close()
    await fixture?.close()
  })

  it('accepts a genuine token, and one with whitespace inside its JSON (control)', async () => {
    await verifier.verify(createJwt({ key }))
    const spaced = `{ "alg" : "ES256" ,\n\t"kid" : "${key.kid}" }`
    const { protectedHeader } = await verifier.verify(createJwt({ key, header: spaced }))
    expect(protectedHeader.kid).toBe(key.kid)
  })

  describe('segments', () => {
    it.each([
      ['empty', () => ''],
      ['one part', (t: string) => segments(t)[0]],
      ['two parts', (t: string) => segments(t).slice(0, 2).join('.')],
      ['four parts', (t: string) => `${t}.`],
      ['four parts with a repeated signature', (t: string) => `${t}.${segments(t)[2]}`],
      ['five parts', (t: string) => `${t}..`],
      ['only dots', () => '....'],
      ['an empty header', (t: string) => `.${segments(t)[1]}.${segments(t)[2]}`],
    ])('refuses %s', async (_label, make) => {
      const token = make(createJwt({ key }))
      await expectRejected(verifier.verify(token), 'ERR_TOKEN_MALFORMED', token)
    })

    it('refuses an empty signature segment', async () => {
      const [h, p] = segments(createJwt({ key }))
      const token = `${h}.${p}.`
      await expectRejected(verifier.verify(token), ['ERR_SIGNATURE_INVALID', 'ERR_TOKEN_MALFORMED'], token)
    })

    it('refuses a genuine JWE (five parts), nested JWT included', async () => {
      const encryptTo = fixture.keys.ES256.publicKey
      const inner = createJwt({ key })
      const jwes = [
        await new CompactEncrypt(Buffer.from(JSON.stringify(claims())))
          .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: key.kid })
          .encrypt(encryptTo),
        await new CompactEncrypt(Buffer.from(inner))
          .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: key.kid, cty: 'JWT' })
          .encrypt(encryptTo),
      ]
      for (const jwe of jwes) {
        expect(jwe.split('.')).toHaveLength(5)
        await expectRejected(verifier.verify(jwe), 'ERR_TOKEN_MALFORMED', jwe)
      }
    })

    it.each([
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['an object', {}],
      ['a byte array', new Uint8Array(8)],
    ])('refuses a token that is %s', async (_label, value) => {
      await expectRejected(verifier.verify(value as never), 'ERR_TOKEN_MALFORMED')
    })
  })

  describe('base64url strictness', () => {
    const payloadText = () => JSON.stringify(claims({ 'x-pad': 'q' }))

    it('refuses "=" padding in the header, the payload or the signature', async () => {
      const header = headerWithRemainder(key, 1)
      const paddedHeader = forge(key, header, payloadText(), (h, p) => [`${h}==`, p])
      await expectRejected(verifier.verify(paddedHeader), 'ERR_TOKEN_MALFORMED', paddedHeader)

      const payload = payloadWithRemainder(1)
      const pad = '='.repeat(3 - (Buffer.byteLength(payload) % 3))
      const paddedPayload = forge(key, JSON.stringify({ alg: 'ES256', kid: key.kid }), payload, (h, p) => [h, p + pad])
      await expectRejected(verifier.verify(paddedPayload), 'ERR_TOKEN_MALFORMED', paddedPayload)

      // 64 signature bytes leave one byte over: standard base64 pads it with "==".
      const genuine = createJwt({ key })
      const paddedSignature = `${genuine}==`
      expect(Buffer.from(segments(genuine)[2], 'base64')).toHaveLength(64)
      await expectRejected(verifier.verify(paddedSignature), 'ERR_TOKEN_MALFORMED', paddedSignature)
    })

    it.each([
      ['a space', ' '],
      ['a newline', '\n'],
      ['a CRLF', '\r\n'],
      ['a tab', '\t'],
      ['a non-breaking space', '\u00a0'],
    ])('refuses %s inside any segment', async (_label, ws) => {
      const header = JSON.stringify({ alg: 'ES256', kid: key.kid })
      const inHeader = forge(key, header, payloadText(), (h, p) => [`${h.slice(0, 8)}${ws}${h.slice(8)}`, p])
      const inPayload = forge(key, header, payloadText(), (h, p) => [h, `${p.slice(0, 12)}${ws}${p.slice(12)}`])
      const genuine = createJwt({ key })
      const [h, p, s] = segments(genuine)
      const inSignature = `${h}.${p}.${s.slice(0, 20)}${ws}${s.slice(20)}`
      for (const token of [inHeader, inPayload, inSignature]) {
        await expectRejected(verifier.verify(token), 'ERR_TOKEN_MALFORMED', token)
      }
    })

    it.each([
      ['leading', (t: string) => ` ${t}`],
      ['trailing', (t: string) => `${t}\n`],
      ['around the dots', (t: string) => t.replaceAll('.', ' . ')],
    ])('refuses %s whitespace around the token', async (_label, make) => {
      const token = make(createJwt({ key }))
      await expectRejected(verifier.verify(token), 'ERR_TOKEN_MALFORMED', token)
    })

    it('refuses the standard alphabet (+ and /) in the header, the payload and the signature', async () => {
      // Find text whose encoding holds both - and _, so the swap changes something.
      let header = ''
      for (let i = 0; !/[-_]/.test(b64url(header)); i++) {
        header = JSON.stringify({ alg: 'ES256', kid: key.kid, 'x-n': `~~~?>${i}` })
      }
      const payload = JSON.stringify(claims({ note: '~~~???>>>' }))
      expect(b64url(payload)).toMatch(/[-_]/)
      const standard = (segment: string) => segment.replaceAll('-', '+').replaceAll('_', '/')
      const inHeader = forge(key, header, payload, (h, p) => [standard(h), p])
      const inPayload = forge(key, header, payload, (h, p) => [h, standard(p)])
      let genuine = createJwt({ key })
      while (!/[-_]/.test(segments(genuine)[2])) genuine = createJwt({ key })
      const [h, p, s] = segments(genuine)
      const inSignature = `${h}.${p}.${standard(s)}`
      expect(Buffer.from(standard(s), 'base64')).toEqual(fromB64url(s))
      for (const token of [inHeader, inPayload, inSignature]) {
        await expectRejected(verifier.verify(token), 'ERR_TOKEN_MALFORMED', token)
      }
    })

    it('refuses non-canonical trailing bits in the header, the payload and the signature', async () => {
      const header = headerWithRemainder(key, 1)
      const payload = payloadWithRemainder(2)
      const inHeader = forge(key, header, payload, (h, p) => [setUnusedBits(h), p])
      const inPayload = forge(key, header, payload, (h, p) => [h, setUnusedBits(p)])
      const genuine = createJwt({ key })
      const [h, p, s] = segments(genuine)
      const inSignature = `${h}.${p}.${setUnusedBits(s)}`
      // A lenient decoder reads the same bytes: only strictness refuses these.
      expect(fromB64url(setUnusedBits(s))).toEqual(fromB64url(s))
      expect(fromB64url(setUnusedBits(b64url(header))).toString()).toBe(header)
      for (const token of [inHeader, inPayload, inSignature]) {
        await expectRejected(verifier.verify(token), 'ERR_TOKEN_MALFORMED', token)
      }
    })

    it.each(['*', '%', '!', '\\', '\u00e9', '\u0000'])('refuses the character %j in a segment', async (char) => {
      const header = JSON.stringify({ alg: 'ES256', kid: key.kid })
      const token = forge(key, header, payloadText(), (h, p) => [h, `${p.slice(0, 10)}${char}${p.slice(11)}`])
      await expectRejected(verifier.verify(token), 'ERR_TOKEN_MALFORMED', token)
    })
  })

  describe('JSON', () => {
    const header = () => JSON.stringify({ alg: 'ES256', kid: key.kid })

    it.each([
      ['an array', '["ES256"]'],
      ['a string', '"ES256"'],
      ['null', 'null'],
      ['a number', '256'],
      ['truncated JSON', '{"alg":"ES256"'],
      ['JSON with trailing data', '{"alg":"ES256"}x'],
      ['two JSON objects', '{"alg":"ES256"}{"alg":"ES256"}'],
      ['a byte-order mark before the JSON', '\ufeff{"alg":"ES256"}'],
    ])('refuses a header that is %s', async (_label, text) => {
      const token = signSegments(
        b64url(text.replace('"ES256"}', `"ES256","kid":"${key.kid}"}`)),
        b64url(JSON.stringify(claims())),
        'ES256',
        key,
      )
      await expectRejected(verifier.verify(token), 'ERR_TOKEN_MALFORMED', token)
    })

    it.each([
      ['an array', '[]'],
      ['a string', '"claims"'],
      ['null', 'null'],
      ['a number', '1'],
      ['true', 'true'],
      ['not JSON', 'foo'],
      ['empty', ''],
      ['JSON with trailing data', () => `${JSON.stringify(claims())} x`],
    ])('refuses a payload that is %s', async (_label, text) => {
      const payload = typeof text === 'function' ? text() : text
      const token = signSegments(b64url(header()), b64url(payload), 'ES256', key)
      await expectRejected(verifier.verify(token), 'ERR_TOKEN_MALFORMED', token)
    })

    it('refuses a header or payload that is not valid UTF-8', async () => {
      const badHeader = Buffer.concat([
        Buffer.from(`{"alg":"ES256","kid":"${key.kid}","x":"`),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ])
      const claimsText = JSON.stringify(claims({ name: 'PLACEHOLDER' }))
      const [before, after] = claimsText.split('PLACEHOLDER') as [string, string]
      const badPayload = Buffer.concat([Buffer.from(before), Buffer.from([0xc3, 0x28]), Buffer.from(after)])
      const tokens = [
        signSegments(b64url(badHeader), b64url(JSON.stringify(claims())), 'ES256', key),
        signSegments(b64url(header()), b64url(badPayload), 'ES256', key),
      ]
      for (const token of tokens) await expectRejected(verifier.verify(token), 'ERR_TOKEN_MALFORMED', token)
    })

    it.each([
      ['alg, same value', (kid: string) => `{"alg":"ES256","kid":"${kid}","alg":"ES256"}`],
      ['alg, none first', (kid: string) => `{"alg":"none","kid":"${kid}","alg":"ES256"}`],
      ['alg, HS256 first', (kid: string) => `{"alg":"HS256","kid":"${kid}","alg":"ES256"}`],
      ['kid', (kid: string) => `{"alg":"ES256","kid":"attacker","kid":"${kid}"}`],
      ['alg, escaped', (kid: string) => `{"alg":"none","kid":"${kid}","\\u0061lg":"ES256"}`],
      ['crit, escaped', (kid: string) => `{"alg":"ES256","kid":"${kid}","crit":["x"],"x":1,"\\u0063rit":["x"]}`],
    ])('refuses a duplicate header member: %s', async (_label, make) => {
      const token = createJwt({ key, header: make(key.kid) })
      await expectRejected(verifier.verify(token), 'ERR_TOKEN_MALFORMED', token)
    })

    it.each([
      ['sub', (c: string) => c.replace('{', '{"sub":"alice",').replace('"sub":"user-1"', '"sub":"admin"')],
      ['aud, wrong one first', (c: string) => c.replace('{', '{"aud":"other",')],
      ['exp, expired one first', (c: string) => c.replace('{', '{"exp":1,')],
      ['iss, escaped', (c: string) => c.replace('{', '{"\\u0069ss":"https://evil.test",')],
      ['a custom claim, escaped solidus', (c: string) => c.replace('{', '{"a/b":1,"a\\/b":2,')],
    ])('refuses a duplicate payload member: %s', async (_label, make) => {
      const text = make(JSON.stringify(claims()))
      const token = createJwt({ key, payload: text })
      await expectRejected(verifier.verify(token), 'ERR_TOKEN_MALFORMED', token)
    })
  })

  describe('length cap', () => {
    it('accepts a genuine token just under the default 16 KiB cap, refuses one just over', async () => {
      const inside = tokenNear(key, 16 * 1024, 'below')
      expect(inside.length).toBeLessThanOrEqual(16 * 1024)
      expect(inside.length).toBeGreaterThan(16 * 1024 - 8)
      await verifier.verify(inside)
      const outside = tokenNear(key, 16 * 1024, 'above')
      expect(outside.length).toBeGreaterThan(16 * 1024)
      await expectRejected(verifier.verify(outside), 'ERR_TOKEN_TOO_LONG', outside)
    })

    it('honours maxTokenLength', async () => {
      const capped = createVerifier(fixture.options({ maxTokenLength: 1024 }))
      try {
        await capped.verify(tokenNear(key, 1024, 'below'))
        const outside = tokenNear(key, 1024, 'above')
        await expectRejected(capped.verify(outside), 'ERR_TOKEN_TOO_LONG', outside)
      } finally {
        await capped.close()
      }
    })

    it('refuses a huge token before reading it', async () => {
      const genuine = createJwt({ key })
      const [h, , s] = segments(genuine)
      const huge = `${h}.${'A'.repeat(8 * 1024 * 1024)}.${s}`
      await expectRejected(verifier.verify(huge), 'ERR_TOKEN_TOO_LONG')
      await expectRejected(verifier.verify('.'.repeat(1024 * 1024)), ['ERR_TOKEN_TOO_LONG', 'ERR_TOKEN_MALFORMED'])
    })
  })
})
