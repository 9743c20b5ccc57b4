/**
 * The default `cache.maxKeys` (1000): an issuer with hundreds of clients publishes
 * hundreds of keys, and a verifier on its global JWKS must take them all; a document over
 * the limit is refused whole and the keys already held keep working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isVerifyError } from '../../src/errors.js'
import { createJwksCache } from '../../src/jwks/index.js'
import { BACKENDS } from '../helpers/backends.js'
import { startServer, type TestServer } from '../helpers/http-server.js'
import { type KeyPair, newKeyPair } from '../helpers/keys.js'
import { AUDIENCE, ISSUER, mint } from '../helpers/tokens.js'

let server: TestServer
/** 1001 distinct P-256 keys: the first 600 make the large document, all make the one over the limit. */
let pairs: KeyPair[]

beforeAll(async () => {
  server = await startServer()
  pairs = Array.from({ length: 1001 }, (_, i) => newKeyPair('ES256', { kid: `client-${i}` }))
})
afterAll(async () => {
  await server.close()
})

const jwksOf = (keys: readonly KeyPair[]) => ({ keys: keys.map((pair) => pair.jwk) })

async function code(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (err: unknown) => (isVerifyError(err) ? err.code : String(err)),
  )
}

describe.each(BACKENDS)('default maxKeys ($name)', ({ name, createVerifier }) => {
  it('verifies tokens signed by any key of a 600-key JWKS', async () => {
    const path = `/${name}/600`
    server.route(path, { body: jwksOf(pairs.slice(0, 600)) })
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri: `${server.origin}${path}` })
    for (const pair of [pairs[0]!, pairs[299]!, pairs[599]!]) {
      expect((await verifier.verify(await mint(pair))).protectedHeader.kid).toBe(pair.kid)
    }
    expect(verifier.status().sources[0]).toMatchObject({ loaded: true, keys: 600 })
    expect(server.hits(path)).toBe(1)
    verifier.close()
  })

  it('rejects a document over 1000 keys without evicting the keys it holds', async () => {
    const path = `/${name}/over`
    server.route(path, { body: jwksOf(pairs.slice(0, 600)) })
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: `${server.origin}${path}`,
      cache: { cooldown: 0 },
    })
    const held = await mint(pairs[10]!)
    expect((await verifier.verify(held)).payload).toMatchObject({ sub: 'user-1' })

    // A kid not held makes the verifier refetch: the document now lists 1001 keys.
    server.route(path, { body: jwksOf(pairs) })
    expect(await code(verifier.verify(await mint(pairs[1000]!)))).toBe('ERR_KID_UNKNOWN')
    expect(server.hits(path)).toBe(2)
    expect(verifier.status().sources[0]).toMatchObject({
      loaded: true,
      keys: 600,
      lastError: 'JWKS document lists 1001 keys, more than the limit of 1000',
    })
    expect((await verifier.verify(held)).protectedHeader.kid).toBe(pairs[10]!.kid)
    expect((await verifier.verify(await mint(pairs[599]!))).protectedHeader.kid).toBe(pairs[599]!.kid)
    verifier.close()
  })
})

describe('createJwksCache: default maxKeys', () => {
  it('takes exactly 1000 keys and refuses 1001', async () => {
    server.route('/cache/1000', { body: jwksOf(pairs.slice(0, 1000)) })
    server.route('/cache/1001', { body: jwksOf(pairs) })
    const exact = createJwksCache({ url: `${server.origin}/cache/1000`, algorithms: ['ES256'] })
    const over = createJwksCache({ url: `${server.origin}/cache/1001`, algorithms: ['ES256'] })
    try {
      await exact.refresh()
      expect(exact.status()).toMatchObject({ loaded: true, keys: 1000 })
      await expect(over.refresh()).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' })
      expect(over.status()).toMatchObject({ loaded: false, lastError: 'JWKS document lists 1001 keys, more than the limit of 1000' })
    } finally {
      exact.close()
      over.close()
    }
  })
})
