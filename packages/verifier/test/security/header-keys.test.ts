/**
 * RFC 8725 §3.10 and CVE-2018-0114 class: a token cannot bring or point at its own key.
 * `jwk`, `jku`, `x5u` and `x5c` headers are never trusted (and a `jku` / `x5u` target is
 * never contacted), and `kid` is an opaque lookup name, never a path, query or property.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectRejected } from './helpers/expect.js'
import { type SecurityFixture, startFixture } from './helpers/fixture.js'
import { type JsonServer, startJsonServer } from '../helpers/http-server.js'
import { createJwt, ISSUER } from '../helpers/tokens.js'
import { type TestVerifier, VERIFIER_PATHS } from './helpers/verifiers.js'

const KID_INJECTIONS: Array<[string, string]> = [
  ['path traversal', '../../dev/null'],
  ['deep path traversal', '../../../../../../../../dev/null'],
  ['absolute path', '/dev/null'],
  ['file URL', 'file:///dev/null'],
  ['SQL injection', "' OR '1'='1"],
  ['SQL union', "x' UNION SELECT 'secret' --"],
  ['SQL statement', '1; DROP TABLE keys; --'],
  ['__proto__', '__proto__'],
  ['constructor', 'constructor'],
  ['prototype', 'prototype'],
  ['toString', 'toString'],
  ['hasOwnProperty', 'hasOwnProperty'],
  ['null byte', '\u0000'],
  ['trailing null byte', 'kid\u0000'],
  ['empty string', ''],
  ['command substitution', '$(id)'],
  ['header injection', 'kid\r\nX-Injected: 1'],
  ['very long', 'k'.repeat(10_000)],
]

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort()

describe.each(VERIFIER_PATHS)('keys named by the token ($name)', ({ createVerifier }) => {
  let fixture: SecurityFixture
  let verifier: TestVerifier
  /** Serves the attacker's JWKS at every path and counts the requests it gets. */
  let trap: JsonServer

  beforeAll(async () => {
    fixture = await startFixture()
    trap = await startJsonServer({ keys: Object.values(fixture.attacker).map((key) => key.jwk) })
    verifier = createVerifier(fixture.options())
  })
  afterAll(async () => {
    await verifier?.close()
    await fixture?.close()
    await trap?.close()
  })

  it('accepts a genuine token (control)', async () => {
    const { payload } = await verifier.verify(createJwt({ key: fixture.keys.ES256 }))
    expect(payload.iss).toBe(ISSUER)
  })

  describe('embedded jwk', () => {
    for (const alg of ['ES256', 'RS256', 'EdDSA'] as const) {
      it(`refuses an ${alg} token signed by the key it embeds`, async () => {
        const attacker = fixture.attacker[alg]
        const cases: Array<[Record<string, unknown>, string[]]> = [
          [{ kid: fixture.keys[alg].kid }, ['ERR_SIGNATURE_INVALID', 'ERR_HEADER_UNSUPPORTED']],
          [{ kid: attacker.kid }, ['ERR_KID_UNKNOWN', 'ERR_HEADER_UNSUPPORTED']],
          [{ kid: undefined }, ['ERR_KID_UNKNOWN', 'ERR_SIGNATURE_INVALID', 'ERR_HEADER_UNSUPPORTED']],
        ]
        for (const [header, codes] of cases) {
          const token = createJwt({ key: attacker, header: { ...header, jwk: attacker.jwk } })
          await expectRejected(verifier.verify(token), codes as never, token)
        }
      })
    }
  })

  describe('jku and x5u', () => {
    it('never fetches a jku or x5u and refuses the attacker-signed token', async () => {
      const attacker = fixture.attacker.ES256
      const pointers = [
        { jku: trap.jwksUri },
        { x5u: `${trap.origin}/cert.pem` },
        { jku: trap.jwksUri, x5u: `${trap.origin}/cert.pem` },
        // The issuer's own host, another path: still not a place to take keys from.
        { jku: `${fixture.server.origin}/attacker-jwks.json` },
      ]
      for (const pointer of pointers) {
        const ownKid = createJwt({ key: attacker, header: { ...pointer, kid: fixture.keys.ES256.kid } })
        await expectRejected(verifier.verify(ownKid), ['ERR_SIGNATURE_INVALID', 'ERR_HEADER_UNSUPPORTED'], ownKid)
        const foreignKid = createJwt({ key: attacker, header: pointer })
        await expectRejected(verifier.verify(foreignKid), ['ERR_KID_UNKNOWN', 'ERR_HEADER_UNSUPPORTED'], foreignKid)
      }
      // Give a background fetch, if one were started, the time to arrive.
      await sleep(200)
      expect(trap.requests).toEqual([])
      expect(fixture.server.requests.filter((path) => path !== '/jwks.json')).toEqual([])
    })

    it('ignores a jku on a genuine token: it verifies with the published key', async () => {
      // Whether a verifier refuses jku outright or ignores it, it never fetches it.
      const token = createJwt({ key: fixture.keys.ES256, header: { jku: trap.jwksUri } })
      const outcome = await verifier.verify(token).then(
        (result) => ({ result, code: undefined }),
        (err: unknown) => ({ result: undefined, code: (err as { code?: string }).code }),
      )
      if (outcome.code === undefined) expect(outcome.result?.protectedHeader).toMatchObject({ kid: fixture.keys.ES256.kid, jku: trap.jwksUri })
      else expect(outcome.code).toBe('ERR_HEADER_UNSUPPORTED')
      await sleep(100)
      expect(trap.requests).toEqual([])
    })
  })

  it('refuses an x5c chain carrying the attacker key', async () => {
    const attacker = fixture.attacker.RS256
    const der = attacker.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
    const token = createJwt({ key: attacker, header: { kid: fixture.keys.RS256.kid, x5c: [der] } })
    await expectRejected(verifier.verify(token), ['ERR_SIGNATURE_INVALID', 'ERR_HEADER_UNSUPPORTED'], token)
  })

  describe('kid injection', () => {
    it.each(KID_INJECTIONS)('refuses an attacker-signed token with kid: %s', async (_label, kid) => {
      const token = createJwt({ key: fixture.attacker.ES256, header: { kid } })
      const codes = kid.length > 1000 ? ['ERR_KID_UNKNOWN', 'ERR_TOKEN_MALFORMED'] : ['ERR_KID_UNKNOWN']
      await expectRejected(verifier.verify(token), codes as never, token)
    })

    it.each(KID_INJECTIONS)('refuses HS256 with an empty or guessable secret and kid: %s', async (_label, kid) => {
      for (const secret of ['', '\n', 'null', 'undefined', '0']) {
        const token = createJwt({ key: secret, header: { alg: 'HS256', kid } })
        await expectRejected(verifier.verify(token), 'ERR_ALG_NOT_ALLOWED', token)
      }
    })

    it.each([
      ['a number', 1],
      ['an object', { $ne: null }],
      ['an array', ['issuer-ES256']],
      ['null', null],
      ['true', true],
    ])('refuses a kid that is %s', async (_label, kid) => {
      const token = createJwt({ key: fixture.attacker.ES256, header: { kid } })
      await expectRejected(verifier.verify(token), ['ERR_TOKEN_MALFORMED', 'ERR_KID_UNKNOWN'], token)
    })

    it('still verifies genuine tokens, and Object.prototype is untouched, after the injections', async () => {
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_NAMES)
      for (const key of Object.values(fixture.keys)) {
        const { protectedHeader } = await verifier.verify(createJwt({ key }))
        expect(protectedHeader.kid).toBe(key.kid)
      }
      expect(({} as Record<string, unknown>).kid).toBeUndefined()
    })
  })
})
