import { importJWK, type JWK } from 'jose'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isVerifyError } from '../../src/errors.js'
import type { VerifierEvent } from '../../src/events.js'
import type { KeySource } from '../../src/key-source.js'
import { createJwksCache, createStaticKeySet } from '../../src/jwks/index.js'
import type { JsonWebKeyLike } from '../../src/jwk-types.js'
import type { JwksCache } from '../../src/jwks/types.js'
import { generateDerKeyPair } from '../helpers/der-key-pair.mjs'
import { type JwksServer, startJwksServer } from '../helpers/jwks-server.js'
import { createTestKey, type TestKey, verifies } from '../helpers/keys.js'
import { settle } from '../helpers/settle.js'

const ALGORITHMS = ['ES256', 'ES384', 'RS256', 'EdDSA']

/** Keys a verifier must use: kid, the alg a token would name, and the key that signs it. */
let usable: { kid: string; alg: string; key: TestKey }[]
/** Keys it must skip, each for one reason. */
let skipped: { kid: string; alg: string; why: string }[]
let document: { keys: unknown[] }

async function rsaPublicJwk(modulusLength: number): Promise<JWK> {
  const pair = await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )
  return (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JWK
}

function withoutAlg(key: TestKey, kid: string): TestKey {
  const { alg: _alg, ...jwk } = key.jwk
  return { ...key, kid, jwk: { ...jwk, kid }, sign: (header) => key.sign({ kid: header?.kid ?? kid }) }
}

beforeAll(async () => {
  const es256 = await createTestKey('ES256', 'es256')
  const es384 = await createTestKey('ES384', 'es384')
  const rs256 = await createTestKey('RS256', 'rs256')
  const ed = await createTestKey('EdDSA', 'ed')
  const ecNoAlg = withoutAlg(await createTestKey('ES256'), 'ec-no-alg')
  const rsaNoAlg = withoutAlg(await createTestKey('RS256'), 'rsa-no-alg')
  const ps256 = await createTestKey('PS256', 'ps256')
  const encryption = await createTestKey('ES256', 'enc')
  const spare = await createTestKey('ES256')
  const x25519 = generateDerKeyPair('x25519').publicKey.export({ format: 'jwk' }) as JWK
  const rsa1024 = await rsaPublicJwk(1024)
  const paddedModulus = Buffer.concat([Buffer.alloc(160), Buffer.from(rsa1024.n!, 'base64url')]).toString('base64url')

  usable = [
    { kid: 'es256', alg: 'ES256', key: es256 },
    { kid: 'es384', alg: 'ES384', key: es384 },
    { kid: 'rs256', alg: 'RS256', key: rs256 },
    { kid: 'ed', alg: 'EdDSA', key: ed },
    { kid: 'ec-no-alg', alg: 'ES256', key: ecNoAlg },
    { kid: 'rsa-no-alg', alg: 'RS256', key: rsaNoAlg },
  ]
  skipped = [
    { kid: 'enc', alg: 'ES256', why: 'use enc' },
    { kid: 'ops', alg: 'ES256', why: 'key_ops without verify' },
    { kid: 'oct', alg: 'ES256', why: 'symmetric key in a JWKS' },
    { kid: 'weird', alg: 'ES256', why: 'unknown kty' },
    { kid: 'x25519', alg: 'EdDSA', why: 'unknown curve for signing' },
    { kid: 'k1', alg: 'ES256', why: 'unknown EC curve' },
    { kid: 'es999', alg: 'ES256', why: 'unknown alg' },
    { kid: 'ps256', alg: 'PS256', why: 'alg outside the allow-list' },
    { kid: 'mismatch', alg: 'RS256', why: 'alg that does not fit the kty' },
    { kid: 'rsa1024', alg: 'RS256', why: 'RSA under 2048 bits' },
    { kid: 'rsa1024-padded', alg: 'RS256', why: 'RSA under 2048 bits padded with zero octets' },
    { kid: 'leaked', alg: 'ES256', why: 'private member published' },
    { kid: 'bad-x', alg: 'ES256', why: 'coordinate that is not base64url' },
  ]
  document = {
    keys: [
      ...usable.map(({ key }) => key.jwk),
      { ...encryption.jwk, use: 'enc' },
      { ...spare.jwk, kid: 'ops', key_ops: ['encrypt'] },
      { kty: 'oct', kid: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA', alg: 'HS256' },
      { kty: 'XYZ', kid: 'weird', x: 'AAAA' },
      { ...x25519, kid: 'x25519' },
      { ...spare.jwk, kid: 'k1', crv: 'secp256k1', alg: undefined },
      { ...spare.jwk, kid: 'es999', alg: 'ES999' },
      { ...ps256.jwk },
      { ...spare.jwk, kid: 'mismatch', alg: 'RS256' },
      { ...rsa1024, kid: 'rsa1024', alg: 'RS256' },
      { ...rsa1024, kid: 'rsa1024-padded', alg: 'RS256', n: paddedModulus },
      { ...spare.jwk, kid: 'leaked', d: 'AAAA' },
      { ...spare.jwk, kid: 'bad-x', x: '!!!' },
      // The same key listed twice under its kid is one key, not an ambiguous kid.
      { ...es256.jwk },
      null,
      'not a key',
      42,
    ],
  }
})

async function expectSelection(source: KeySource): Promise<void> {
  for (const { kid, alg, key } of usable) {
    const resolved = await source.getKey({ alg, kid })
    expect(resolved).toMatchObject({ alg, kid })
    expect(await verifies(resolved.key, await key.sign()), `${kid} verifies`).toBe(true)
  }
  for (const { kid, alg, why } of skipped) {
    const outcome = await settle(() => source.getKey({ alg, kid }))
    expect(isVerifyError(outcome.error, 'ERR_KID_UNKNOWN', 'ERR_ALG_NOT_ALLOWED'), why).toBe(true)
  }
  // Without alg, a P-256 key serves ES256 only: ES384 is allowed but does not fit its curve.
  const misfit = await settle(() => source.getKey({ alg: 'ES384', kid: 'ec-no-alg' }))
  expect(isVerifyError(misfit.error, 'ERR_ALG_NOT_ALLOWED')).toBe(true)
  expect(source.status()).toMatchObject({ loaded: true, keys: usable.length })
}

describe('createStaticKeySet', () => {
  it('keeps the usable keys and skips each bad one on its own', async () => {
    const source = createStaticKeySet(document as never, { algorithms: ALGORITHMS })
    await source.ready
    await expectSelection(source)
  })

  it('answers synchronously once ready, and waits for the import before', async () => {
    const { key } = usable[0]!
    const source = createStaticKeySet({ keys: [key.jwk as JsonWebKeyLike] }, { algorithms: ['ES256'] })
    const early = source.getKey({ alg: 'ES256', kid: key.kid })
    expect(early).toBeInstanceOf(Promise)
    expect(await verifies((await early).key, await key.sign())).toBe(true)
    const later = await settle(() => source.getKey({ alg: 'ES256', kid: key.kid }))
    expect(later.sync).toBe(true)
  })

  it('serves a token without kid from the only key that fits its alg', async () => {
    const { key } = usable[0]!
    const { kid: _kid, ...anonymous } = key.jwk
    const source = createStaticKeySet({ keys: [anonymous as JsonWebKeyLike] }, { algorithms: ['ES256'] })
    const resolved = await source.getKey({ alg: 'ES256' })
    expect(await verifies(resolved.key, await key.sign({ kid: null }))).toBe(true)
    const named = await settle(() => source.getKey({ alg: 'ES256', kid: 'any' }))
    expect(isVerifyError(named.error, 'ERR_KID_UNKNOWN')).toBe(true)
  })

  it('skips a key its importer rejects, keeping the others', async () => {
    const source = createStaticKeySet(document as never, {
      algorithms: ALGORITHMS,
      importKey: async (jwk, alg) => {
        if (jwk.kid === 'es384') throw new Error('not for this backend')
        return importJWK(jwk, alg)
      },
    })
    await source.ready
    const refused = await settle(() => source.getKey({ alg: 'ES384', kid: 'es384' }))
    expect(isVerifyError(refused.error, 'ERR_KID_UNKNOWN')).toBe(true)
    expect(source.status().keys).toBe(usable.length - 1)
  })

  it('refuses what is not a JWKS, and a bad allow-list', () => {
    expect(() => createStaticKeySet({} as never, { algorithms: ['ES256'] })).toThrow(TypeError)
    expect(() => createStaticKeySet([] as never, { algorithms: ['ES256'] })).toThrow(/"keys" array/)
    expect(() => createStaticKeySet({ keys: [] }, { algorithms: [] })).toThrow(TypeError)
    expect(() => createStaticKeySet({ keys: [] }, { algorithms: ['HS256'] })).toThrow(/shared secret/)
  })
})

describe('createJwksCache: key selection', () => {
  let server: JwksServer
  let cache: JwksCache | undefined

  afterEach(async () => {
    cache?.close()
    await server.close()
  })

  it('applies the same rules to a fetched JWKS', async () => {
    server = await startJwksServer(document)
    const events: VerifierEvent[] = []
    cache = createJwksCache({ url: server.url, algorithms: ALGORITHMS, onEvent: (event) => events.push(event) })
    await cache.refresh()
    await expectSelection(cache)
    expect(events).toContainEqual(expect.objectContaining({ type: 'jwks_fetch', status: 200, keys: usable.length }))
  })

  it('imports each key once per alg across refetches, and again when a kid changes its key', async () => {
    const { key } = usable.find(({ kid }) => kid === 'rsa-no-alg')!
    const first = usable[0]!.key
    server = await startJwksServer({ keys: [first.jwk, key.jwk] })
    const imports: string[] = []
    const removed: string[][] = []
    cache = createJwksCache({
      url: server.url,
      algorithms: ['ES256', 'RS256', 'PS256'],
      importKey: (jwk, alg) => {
        imports.push(`${jwk.kid}/${alg}`)
        return importJWK(jwk, alg)
      },
    })
    cache.onKeysRemoved?.((kids) => removed.push([...kids]))
    for (let i = 0; i < 3; i++) await cache.refresh()
    expect(imports.sort()).toEqual(['es256/ES256', 'rsa-no-alg/PS256', 'rsa-no-alg/RS256'])

    const replacement = await createTestKey('ES256', 'es256')
    server.jwks = { keys: [replacement.jwk, key.jwk] }
    await cache.refresh()
    expect(imports.filter((entry) => entry === 'es256/ES256')).toHaveLength(2)
    expect(removed).toEqual([['es256']])
    const resolved = await cache.getKey({ alg: 'ES256', kid: 'es256' })
    expect(await verifies(resolved.key, await replacement.sign())).toBe(true)
    expect(await verifies(resolved.key, await first.sign())).toBe(false)
  })
})
