/**
 * Project Wycheproof's JOSE vectors against the issuer's own JWS verification and JWE
 * decryption, for the algs the issuer uses: every `valid` vector must open to its
 * plaintext, every `invalid` one must be refused. Vectors of other algs (HMAC, AES key wrap,
 * CBC content encryption, RSA1_5) are left out, save the invalid ones, which must be refused
 * too. The vectors live beside the project (shared/testvectors/wycheproof); without them
 * the suite is skipped with a notice.
 */
import { createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { JWS_ALGORITHMS, KEY_MANAGEMENTS, CONTENT_ENCRYPTIONS } from '../../src/jose/jose-algorithms.js'
import { decryptJwe } from '../../src/jose/jwe-decrypt.js'
import { verifyJws } from '../../src/jose/jws-verify.js'

const VECTORS = new URL('../../../../../shared/testvectors/wycheproof/', import.meta.url)
const SIGNATURES = new URL('json_web_signature_test.json', VECTORS)
const ENCRYPTIONS = new URL('json_web_encryption_test.json', VECTORS)
const present = existsSync(SIGNATURES) && existsSync(ENCRYPTIONS)
if (!present) console.warn(`Wycheproof vectors not found in ${fileURLToPath(VECTORS)}: skipping the Wycheproof suite`)

interface Vector {
  tcId: number
  comment: string
  result: 'valid' | 'invalid' | 'acceptable'
  jws?: unknown
  jwe?: unknown
  /** The plaintext, hex. */
  pt?: string
}

interface Group {
  comment: string
  public?: JsonWebKey & { alg?: string; kid?: string }
  private?: JsonWebKey & { alg?: string; kid?: string }
  tests: Vector[]
}

function groupsOf(file: URL): Group[] {
  return present ? (JSON.parse(readFileSync(file, 'utf8')) as { testGroups: Group[] }).testGroups : []
}

function headerOf(token: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
}

function refused(open: () => unknown): boolean {
  try {
    open()
    return false
  } catch {
    return true
  }
}

describe.skipIf(!present)('Wycheproof JWS vectors', () => {
  const groups = groupsOf(SIGNATURES).filter((group) => JWS_ALGORITHMS.has(group.public?.alg ?? ''))
  const cases = groups.flatMap((group) =>
    group.tests
      .filter((vector) => typeof vector.jws === 'string' && vector.result !== 'acceptable')
      // The issuer accepts only the alg a key is for; RFC 7520 signs PS384 with a key labelled PS256.
      .filter((vector) => vector.result === 'invalid' || headerOf(vector.jws as string)?.['alg'] === group.public?.alg)
      .map((vector) => ({ group, vector, name: `${group.public?.alg} #${vector.tcId} ${vector.comment} (${vector.result})` })),
  )

  it('holds vectors of the algs the issuer verifies', () => {
    expect(cases.filter(({ vector }) => vector.result === 'valid').length).toBeGreaterThan(20)
    expect(cases.filter(({ vector }) => vector.result === 'invalid').length).toBeGreaterThan(200)
  })

  it.each(cases)('$name', ({ group, vector }) => {
    const key = createPublicKey({ key: group.public!, format: 'jwk' })
    const open = () =>
      verifyJws(vector.jws as string, {
        algorithm: group.public!.alg!,
        keyFor: (kid) => (group.public!.kid === undefined || kid === group.public!.kid ? key : undefined),
      })
    expect(refused(open)).toBe(vector.result === 'invalid')
  })
})

describe.skipIf(!present)('Wycheproof JWE vectors', () => {
  const groups = groupsOf(ENCRYPTIONS).filter((group) => KEY_MANAGEMENTS.has(group.private?.alg ?? ''))
  const cases = groups.flatMap((group) =>
    group.tests
      .filter((vector) => typeof vector.jwe === 'string' && vector.result !== 'acceptable')
      // A valid vector of a content encryption the issuer never uses (CBC) proves nothing here.
      .filter((vector) => vector.result === 'invalid' || CONTENT_ENCRYPTIONS.has(String(headerOf(vector.jwe as string)?.['enc'])))
      .map((vector) => ({ group, vector, name: `${group.private?.alg} #${vector.tcId} ${vector.comment} (${vector.result})` })),
  )

  it('holds vectors of the algs the issuer decrypts', () => {
    expect(cases.filter(({ vector }) => vector.result === 'valid').length).toBeGreaterThan(15)
    expect(cases.filter(({ vector }) => vector.result === 'invalid').length).toBeGreaterThan(15)
  })

  it.each(cases)('$name', ({ group, vector }) => {
    const key = createPrivateKey({ key: group.private!, format: 'jwk' })
    const jwe = vector.jwe as string
    const enc = String(headerOf(jwe)?.['enc'])
    const open = () => decryptJwe(jwe, { alg: group.private!.alg!, enc, key })
    if (vector.result === 'invalid') {
      expect(refused(open)).toBe(true)
    } else {
      expect(open().plaintext.toString('hex')).toBe(vector.pt)
    }
  })
})
