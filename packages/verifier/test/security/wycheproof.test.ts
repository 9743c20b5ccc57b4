/**
 * Project Wycheproof's JOSE vectors (json_web_signature_test.json, json_web_key_test.json),
 * at the signature level: the vectors' payloads are not JWT claims sets ("Test", ...), so
 * they go through the verifier's internal signature level (`createJwsVerifier`, everything
 * `createVerifier` checks below the claims) on both crypto paths. Each group's key
 * configures it; every `valid` token must be accepted and every `invalid` one refused for
 * its form, alg, header, key or signature. The vectors live beside the project
 * (shared/testvectors/wycheproof); without them the suite is skipped with a notice.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { expectRejected, NON_CLAIM_CODES } from './helpers/expect.js'
import { fromB64url } from '../helpers/tokens.js'
import { type TestJwsVerifier, type TestJwsVerifierFactory, VERIFIER_PATHS } from './helpers/verifiers.js'

const VECTORS = new URL('../../../../../shared/testvectors/wycheproof/', import.meta.url)
const SIGNATURES = 'json_web_signature_test.json'
const FILES = [SIGNATURES, 'json_web_key_test.json'] as const
const present = FILES.every((file) => existsSync(new URL(file, VECTORS)))
if (!present) console.warn(`Wycheproof vectors not found in ${fileURLToPath(VECTORS)}: skipping the Wycheproof suite`)

interface WycheproofTest {
  tcId: number
  comment: string
  jws: unknown
  result: 'valid' | 'invalid' | 'acceptable'
  flags: string[]
}

interface Jwk {
  kty?: string
  alg?: string
  kid?: string
  k?: string
  d?: string
  [member: string]: unknown
}

interface WycheproofGroup {
  comment: string
  public?: Jwk | { keys: Jwk[] }
  private?: Jwk | { keys: Jwk[] }
  tests: WycheproofTest[]
}

/**
 * "valid" vectors a strict verifier refuses: RFC 7520's figures 20 and 27 sign with PS384
 * and ES512 under keys labelled PS256 and ES521 (the README of the vectors says so).
 */
const MISLABELLED_KEY = new Set([
  'rfc7520/Figure20',
  'rfc7520/Figure27',
  'rfc7520WithKeyOps/Figure20',
  'rfc7520WithKeyOps/Figure27',
])

/**
 * Vectors of json_web_signature_test.json whose label contradicts their own bytes (and
 * RFC 7515): data errors of this copy. They are held to what their bytes call for, and
 * named in a printed notice so that a corrected copy is noticed.
 */
const ERRATA: ReadonlyMap<number, { verdict: 'valid' | 'invalid'; why: string }> = new Map([
  [367, { verdict: 'valid', why: 'labelled invalid, but byte-identical to the valid #357 (no padding in it)' }],
  [370, { verdict: 'valid', why: 'labelled invalid, but byte-identical to the valid #357 (no padding in it)' }],
  [372, { verdict: 'invalid', why: "labelled valid, but has '?' in the header, outside base64url like the invalid #361-#364" }],
  [373, { verdict: 'invalid', why: "labelled valid, but has '?' in the payload, outside base64url like the invalid #361-#364" }],
] as const)
if (present) {
  const list = [...ERRATA].map(([tcId, { why }]) => `#${tcId} ${why}`).join('; ')
  console.warn(`Wycheproof ${SIGNATURES}: mislabelled vectors held to their bytes instead: ${list}`)
}

function loadGroups(file: string): WycheproofGroup[] {
  if (!present) return []
  return (JSON.parse(readFileSync(new URL(file, VECTORS), 'utf8')) as { testGroups: WycheproofGroup[] }).testGroups
}

function keysOf(set: Jwk | { keys: Jwk[] } | undefined): Jwk[] {
  if (set === undefined) return []
  return 'keys' in set && Array.isArray(set.keys) ? set.keys : [set as Jwk]
}

/** The kid named by a compact token's header, if it can be read. */
function tokenKid(token: unknown): string | undefined {
  if (typeof token !== 'string') return undefined
  try {
    const header = JSON.parse(fromB64url(token.split('.')[0] ?? '').toString()) as { kid?: unknown }
    return typeof header.kid === 'string' ? header.kid : undefined
  } catch {
    return undefined
  }
}

type Setup = { options: Record<string, unknown> } | { notApplicable: string }

/**
 * Options holding the group's key the way an application would configure it: public keys
 * as a JWKS, a symmetric key as the shared secret (pinned to the key's alg).
 */
function setupFor(group: WycheproofGroup, test: WycheproofTest): Setup {
  const publicKeys = keysOf(group.public)
  const allKeys = publicKeys.length > 0 ? publicKeys : keysOf(group.private)
  const symmetric = allKeys.filter((key) => key.kty === 'oct')
  if (symmetric.length === 0) return { options: { jwks: { keys: allKeys } } }
  if (symmetric.length < allKeys.length) {
    // A JWKS mixing secrets and (private) asymmetric keys: offered as is, it must be refused.
    return { options: { jwks: { keys: allKeys }, algorithms: ['HS256', 'ES256'] } }
  }
  const kid = tokenKid(test.jws)
  const named = symmetric.filter((key) => key.kid === kid)
  if (named.length > 1) return { notApplicable: 'two secrets under one kid cannot be configured' }
  const key = named[0] ?? (symmetric.length === 1 ? symmetric[0]! : undefined)
  if (key === undefined) return { notApplicable: 'no secret of the set is named by the token' }
  if (key.alg !== undefined && !key.alg.startsWith('HS')) {
    return { notApplicable: `a secret carries no alg: an AES key (${key.alg}) cannot be told from an HMAC key` }
  }
  return { options: { secret: fromB64url(key.k ?? ''), algorithms: [key.alg ?? 'HS256'] } }
}

/** Builds the verifier, or returns the construction error (a refused key counts as a refusal). */
function build(createJwsVerifier: TestJwsVerifierFactory, options: Record<string, unknown>): TestJwsVerifier | Error {
  try {
    return createJwsVerifier(options)
  } catch (err) {
    return err as Error
  }
}

/** What the vector's bytes call for: its label, unless the label is a known data error. */
function expectedVerdict(file: string, group: WycheproofGroup, test: WycheproofTest): 'valid' | 'invalid' {
  const erratum = file === SIGNATURES ? ERRATA.get(test.tcId) : undefined
  if (erratum !== undefined) return erratum.verdict
  if (MISLABELLED_KEY.has(`${group.comment}/${test.comment}`)) return 'invalid'
  return test.result === 'valid' ? 'valid' : 'invalid'
}

const suite = present ? describe : describe.skip

suite('Wycheproof errata', () => {
  it('are what the notice says: copies of the valid #357, or tokens with a character outside base64url', () => {
    const vectors = new Map(loadGroups(SIGNATURES).flatMap((group) => group.tests.map((test) => [test.tcId, test])))
    for (const [tcId, erratum] of ERRATA) {
      const test = vectors.get(tcId)
      expect(test?.result, `#${tcId}`).toBe(erratum.verdict === 'valid' ? 'invalid' : 'valid')
      if (erratum.verdict === 'valid') expect(test?.jws, `#${tcId}`).toBe(vectors.get(357)?.jws)
      else expect(test?.jws, `#${tcId}`).toMatch(/\?/)
    }
  })
})

suite.each(VERIFIER_PATHS)('Wycheproof, signature level ($name)', ({ createJwsVerifier }) => {
  const opened: TestJwsVerifier[] = []
  afterAll(() => {
    for (const verifier of opened) verifier.close()
  })

  for (const file of FILES) {
    describe(file, () => {
      for (const group of loadGroups(file)) {
        for (const test of group.tests) {
          const name = `${group.comment} #${test.tcId} ${test.comment} (${test.result})`
          const setup = setupFor(group, test)
          if ('notApplicable' in setup) {
            it.skip(`${name}: not applicable, ${setup.notApplicable}`, () => {})
            continue
          }
          const token = typeof test.jws === 'string' ? test.jws : JSON.stringify(test.jws)
          const expected = expectedVerdict(file, group, test)

          it(name, async () => {
            const verifier = build(createJwsVerifier, setup.options)
            if (verifier instanceof Error) {
              // Construction refused the key: right for an invalid vector, wrong for a valid one.
              expect(expected, `construction failed: ${verifier.message}`).toBe('invalid')
              expect(verifier).toBeInstanceOf(TypeError)
              return
            }
            opened.push(verifier)
            if (expected === 'valid') {
              const { protectedHeader, payload } = await verifier.verify(token)
              expect(typeof protectedHeader.alg).toBe('string')
              expect(Buffer.from(payload).toString('base64url')).toBe(token.split('.')[1])
            } else if (token.includes('?')) {
              // Outside the base64url alphabet: a form error, whatever the signature.
              await expectRejected(verifier.verify(token), 'ERR_TOKEN_MALFORMED', token)
            } else {
              await expectRejected(verifier.verify(token), NON_CLAIM_CODES, token)
            }
          })
        }
      }
    })
  }
})
