/**
 * Project Wycheproof's JOSE vectors (json_web_signature_test.json, json_web_key_test.json):
 * each group's key configures a verifier, then every `invalid` token must be refused for
 * its form, alg, header, key or signature, never for its claims, and every `valid` token
 * accepted. The vectors live beside the project (shared/testvectors/wycheproof); without
 * them the suite is skipped with a notice.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { expectRejected, NON_CLAIM_CODES } from './helpers/expect.js'
import { AUDIENCE, fromB64url, ISSUER } from './helpers/jwt.js'
import { type TestVerifier, type TestVerifierFactory, VERIFIER_PATHS } from './helpers/verifiers.js'

const VECTORS = new URL('../../../../../shared/testvectors/wycheproof/', import.meta.url)
const FILES = ['json_web_signature_test.json', 'json_web_key_test.json'] as const
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
const MISLABELLED_KEY = new Set(['rfc7520/Figure20', 'rfc7520/Figure27', 'rfc7520WithKeyOps/Figure20', 'rfc7520WithKeyOps/Figure27'])

/**
 * "valid" vectors whose header or payload has a '?' inserted: only a lenient decoder,
 * skipping characters outside the alphabet, reads them. Strict base64url (RFC 7515 §2)
 * refuses them as malformed.
 */
const LENIENT_BASE64 = new Set(['InvalidCharacterInsertedInHeader', 'InvalidCharacterInsertedInPayload'])

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
 * Verifier options holding the group's key the way an application would configure it:
 * public keys as a JWKS, a symmetric key as the shared secret (pinned to the key's alg).
 */
function setupFor(group: WycheproofGroup, test: WycheproofTest): Setup {
  const base = { issuer: ISSUER, audience: AUDIENCE }
  const publicKeys = keysOf(group.public)
  const allKeys = publicKeys.length > 0 ? publicKeys : keysOf(group.private)
  const symmetric = allKeys.filter((key) => key.kty === 'oct')
  if (symmetric.length === 0) return { options: { ...base, jwks: { keys: allKeys } } }
  if (symmetric.length < allKeys.length) {
    // A JWKS mixing secrets and (private) asymmetric keys: offered as is, it must be refused.
    return { options: { ...base, jwks: { keys: allKeys }, algorithms: ['HS256', 'ES256'] } }
  }
  const kid = tokenKid(test.jws)
  const named = symmetric.filter((key) => key.kid === kid)
  if (named.length > 1) return { notApplicable: 'two secrets under one kid cannot be configured' }
  const key = named[0] ?? (symmetric.length === 1 ? symmetric[0]! : undefined)
  if (key === undefined) return { notApplicable: 'no secret of the set is named by the token' }
  if (key.alg !== undefined && !key.alg.startsWith('HS')) {
    return { notApplicable: `a secret carries no alg, so a ${key.alg} key cannot be told from an HMAC key` }
  }
  return { options: { ...base, secret: fromB64url(key.k ?? ''), algorithms: [key.alg ?? 'HS256'] } }
}

/** Builds the verifier, or returns the construction error (a refused key counts as a refusal). */
function build(createVerifier: TestVerifierFactory, options: Record<string, unknown>): TestVerifier | Error {
  try {
    return createVerifier(options)
  } catch (err) {
    return err as Error
  }
}

function payloadIsClaimsSet(token: unknown): boolean {
  if (typeof token !== 'string') return false
  try {
    const value: unknown = JSON.parse(fromB64url(token.split('.')[1] ?? '').toString())
    return typeof value === 'object' && value !== null && !Array.isArray(value)
  } catch {
    return false
  }
}

const suite = present ? describe : describe.skip

suite.each(VERIFIER_PATHS)('Wycheproof ($name)', ({ createVerifier, createJwsVerifier }) => {
  const opened: TestVerifier[] = []
  afterAll(async () => {
    for (const verifier of opened) await verifier.close()
  })
  // The vectors' payloads are not JWT claims sets ("foo", "Test", ...): only a
  // signature-level verifier can accept the valid ones. Without one, the claims-level
  // verifier refuses them as malformed, and invalid ones are checked for the kind of refusal.
  const signatureLevel = createJwsVerifier !== undefined
  if (!signatureLevel) {
    console.warn('No signature-level verifier: Wycheproof "valid" vectors are checked at the claims level only')
  }
  const factory = createJwsVerifier ?? createVerifier

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
          const lenient = LENIENT_BASE64.has(test.comment)
          const expectValid =
            test.result === 'valid' && !lenient && !MISLABELLED_KEY.has(`${group.comment}/${test.comment}`)

          it(name, async () => {
            const verifier = build(factory, setup.options)
            if (verifier instanceof Error) {
              // Construction refused the key: right for an invalid vector, wrong for a valid one.
              expect(expectValid, `construction failed: ${verifier.message}`).toBe(false)
              expect(verifier).toBeInstanceOf(TypeError)
              return
            }
            opened.push(verifier)
            if (lenient) {
              await expectRejected(verifier.verify(token), 'ERR_TOKEN_MALFORMED', token)
            } else if (expectValid && (signatureLevel || payloadIsClaimsSet(token))) {
              const { protectedHeader } = await verifier.verify(token)
              expect(typeof protectedHeader.alg).toBe('string')
            } else if (expectValid) {
              // The signature may be fine; the claims-level verifier can only call the payload malformed.
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
