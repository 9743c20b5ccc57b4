/**
 * Wycheproof's JWS vectors against both crypto backends, through the same steps the
 * verifier takes below the claims: the compact shape and canonical base64url, the header's
 * alg against a one-alg allow-list, key selection by a JWK Set over the backend's importer,
 * the ECDSA range check, then the signature. (The vectors' payloads are not claim sets, so
 * the claim layer is left out.)
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { algorithmProfile } from '../../src/algorithms.js'
import { nodeBackend } from '../../src/backend/node.js'
import type { CryptoBackend, SignatureCheck } from '../../src/backend/types.js'
import { webCryptoBackend } from '../../src/backend/webcrypto.js'
import { isEcdsa, isEcdsaSignatureInRange } from '../../src/core/ecdsa.js'
import { createStaticKeySet } from '../../src/jwks/index.js'
import type { JsonWebKeyLike } from '../../src/jwks/types.js'
import { hasCanonicalEnd } from '../../src/parse/base64url.js'
import { parseJsonObject } from '../../src/parse/json.js'

interface Vector {
  tcId: string
  comment: string
  jws: string
  result: 'valid' | 'invalid'
}
interface Group {
  comment: string
  public?: JsonWebKeyLike
  private?: JsonWebKeyLike
  tests: Vector[]
}

const file = fileURLToPath(new URL('../../../../../shared/testvectors/wycheproof/json_web_signature_test.json', import.meta.url))
const present = existsSync(file)
if (!present) console.log(`Wycheproof vectors not found at ${file}: skipping`)
const groups: Group[] = present ? (JSON.parse(readFileSync(file, 'utf8')) as { testGroups: Group[] }).testGroups : []

const COMPACT = /^[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/

async function verifyJws(jws: string, group: Group, backend: CryptoBackend): Promise<boolean> {
  if (!COMPACT.test(jws)) return false
  const [h, p, s] = jws.split('.') as [string, string, string]
  if (h === '' || s === '') return false
  for (const part of [h, p, s]) if (!hasCanonicalEnd(part, 0, part.length)) return false
  const headerText = backend.decodeText(h)
  if (headerText === undefined) return false
  const header = parseJsonObject(headerText)
  if (typeof header === 'string' || typeof header['alg'] !== 'string' || header['crit'] !== undefined) return false
  const alg = header['alg']
  let check: SignatureCheck
  if (group.public === undefined) {
    const secret = group.private!
    if (secret.alg !== alg || algorithmProfile(alg)?.kty !== 'oct') return false
    check = await backend.importSecret(Buffer.from(secret.k!, 'base64url'), alg)
  } else {
    // A key's own alg is its allow-list. RFC 7520's keys carry no alg: the vectors add one
    // that does not match the RFC's figures (PS256 for a PS384 figure, "ES521"), so drop it.
    const jwk = { ...group.public }
    if (group.comment.startsWith('rfc7520')) delete jwk.alg
    const allowed = jwk.alg ?? alg
    if (alg !== allowed || algorithmProfile(alg) === undefined || algorithmProfile(alg)?.kty === 'oct') return false
    const keys = createStaticKeySet({ keys: [jwk] }, { algorithms: [allowed], importKey: backend.importJwk })
    try {
      const kid = typeof header['kid'] === 'string' ? header['kid'] : undefined
      check = (await keys.getKey({ alg, kid })).key as SignatureCheck
    } catch {
      return false
    }
  }
  const signature = backend.decodeBytes(s)
  if (isEcdsa(alg) && !isEcdsaSignatureInRange(alg, signature)) return false
  try {
    return await check(`${h}.${p}`, signature)
  } catch {
    return false
  }
}

/**
 * Vectors of this copy that contradict RFC 7515 and the file itself; the verifier must give
 * the opposite verdict. The notice lists them so that a fixed copy is noticed.
 */
const ERRATA: Readonly<Record<string, string>> = {
  '367': 'byte-identical to the valid tcId 357 (the padding the name speaks of is absent)',
  '370': 'byte-identical to the valid tcId 357 (the padding the name speaks of is absent)',
  '372': "has '?' in the header: outside the base64url alphabet, like the invalid tcIds 361-364",
  '373': "has '?' in the payload: outside the base64url alphabet, like the invalid tcIds 361-364",
}
if (present) console.log(`Wycheproof vectors read with errata (verdict reversed): ${JSON.stringify(ERRATA)}`)

function flip(result: 'valid' | 'invalid'): 'valid' | 'invalid' {
  return result === 'valid' ? 'invalid' : 'valid'
}

describe('Wycheproof errata', () => {
  it.skipIf(!present)('are what they say: a duplicate of a valid vector, or a character outside base64url', () => {
    const vectors = new Map(groups.flatMap((group) => group.tests.map((vector) => [String(vector.tcId), vector] as const)))
    expect(vectors.get('367')?.jws).toBe(vectors.get('357')?.jws)
    expect(vectors.get('370')?.jws).toBe(vectors.get('357')?.jws)
    expect(vectors.get('372')?.jws).toMatch(/\?/)
    expect(vectors.get('373')?.jws).toMatch(/\?/)
  })
})

const BACKENDS = [
  { name: 'webcrypto', backend: webCryptoBackend },
  { name: 'node', backend: nodeBackend },
]

describe.each(BACKENDS)('Wycheproof JWS vectors ($name)', ({ backend }) => {
  it.skipIf(!present)('accepts every valid vector and refuses every invalid one', async () => {
    let count = 0
    for (const group of groups) {
      for (const vector of group.tests) {
        const verdict = await verifyJws(vector.jws, group, backend)
        const expected = ERRATA[vector.tcId] === undefined ? vector.result : flip(vector.result)
        expect(verdict ? 'valid' : 'invalid', `tcId ${vector.tcId} (${group.comment}: ${vector.comment})`).toBe(expected)
        count++
      }
    }
    expect(count).toBeGreaterThan(300)
  })
})
