import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VerifyError } from '../../src/errors.js'
import type { VerifierEvent } from '../../src/events.js'
import { BACKENDS } from '../helpers/backends.js'
import { startServer, type TestServer } from '../helpers/http-server.js'
import { newKeyPair } from '../helpers/keys.js'
import { AUDIENCE, ISSUER, mint } from '../helpers/tokens.js'

async function code(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (err: unknown) => (err instanceof VerifyError ? err.code : String(err)),
  )
}

describe.each(BACKENDS)('verify with jwksUri ($name)', ({ name, createVerifier }) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(async () => {
    await server.close()
  })

  it('verifies with keys fetched from the JWKS URL', async () => {
    const pair = newKeyPair('ES256')
    server.route(`/${name}/plain`, { body: { keys: [pair.jwk] } })
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri: `${server.origin}/${name}/plain` })
    const { payload } = await verifier.verify(await mint(pair))
    expect(payload.sub).toBe('user-1')
    expect(verifier.status()).toMatchObject({ loaded: true, fresh: true, sources: [{ keys: 1 }] })
    verifier.close()
  })

  it('answers ERR_KEYS_UNAVAILABLE when the endpoint is down and nothing is cached', async () => {
    server.route(`/${name}/down`, { status: 500, body: {} })
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri: `${server.origin}/${name}/down` })
    expect(await code(verifier.verify(await mint(newKeyPair('ES256'))))).toBe('ERR_KEYS_UNAVAILABLE')
    verifier.close()
  })

  it('forgets cached tokens whose key a refetch no longer lists', async () => {
    const old = newKeyPair('ES256', { kid: 'old' })
    const next = newKeyPair('ES256', { kid: 'next' })
    const path = `/${name}/rotating`
    server.route(path, { body: { keys: [old.jwk] }, headers: { 'cache-control': 'no-store' } })
    const events: VerifierEvent[] = []
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: `${server.origin}${path}`,
      tokenCache: true,
      cache: { cooldown: 0 },
      onEvent: (event) => events.push(event),
    })
    const token = await mint(old)
    const first = await verifier.verify(token)
    expect(await verifier.verify(token)).toBe(first)

    // The issuer retires the old key; a token with the new kid makes the cache refetch.
    server.route(path, { body: { keys: [next.jwk] }, headers: { 'cache-control': 'no-store' } })
    expect((await verifier.verify(await mint(next))).payload).toMatchObject({ sub: 'user-1' })
    expect(events).toContainEqual(expect.objectContaining({ type: 'keys_changed', removed: ['old'] }))
    expect(await code(verifier.verify(token))).toBe('ERR_KID_UNKNOWN')
    verifier.close()
  })

  it('forgets cached tokens whose kid-less key a refetch no longer lists', async () => {
    const old = newKeyPair('ES256')
    const { kid: _kid, ...kidless } = old.jwk
    const next = newKeyPair('ES256')
    const path = `/${name}/rotating-kidless`
    server.route(path, { body: { keys: [kidless] }, headers: { 'cache-control': 'no-store' } })
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: `${server.origin}${path}`,
      tokenCache: true,
      cache: { cooldown: 0 },
    })
    const token = await mint(old, { header: { kid: undefined } })
    const first = await verifier.verify(token)
    expect(await verifier.verify(token)).toBe(first)

    // The key leaves the JWKS; a token with the new kid makes the cache refetch.
    server.route(path, { body: { keys: [next.jwk] }, headers: { 'cache-control': 'no-store' } })
    expect((await verifier.verify(await mint(next))).payload).toMatchObject({ sub: 'user-1' })
    expect(server.hits(path)).toBe(2)
    // Served from the token cache, it would be accepted; checked afresh, the one key left is not its signer.
    expect(await code(verifier.verify(token))).toBe('ERR_SIGNATURE_INVALID')
    verifier.close()
  })

  it('keeps real time for the JWKS cache whatever the now option says', async () => {
    const pair = newKeyPair('ES256')
    const path = `/${name}/clock`
    server.route(path, { body: { keys: [pair.jwk] }, headers: { 'cache-control': 'max-age=60' } })
    const yearAhead = Date.now() + 365 * 24 * 3600 * 1000
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: `${server.origin}${path}`,
      now: () => yearAhead,
    })
    const seconds = Math.floor(yearAhead / 1000)
    const token = await mint(pair, { claims: { iat: seconds, exp: seconds + 300 } })
    expect((await verifier.verify(token)).payload).toMatchObject({ sub: 'user-1' })
    expect((await verifier.verify(await mint(pair, { claims: { iat: seconds, exp: seconds + 301 } }))).payload).toMatchObject({ sub: 'user-1' })
    // A year past a max-age of 60 s by the token clock, yet fresh and fetched once by real time.
    expect(verifier.status()).toMatchObject({ fresh: true })
    expect(server.hits(path)).toBe(1)
    expect(await code(verifier.verify(await mint(pair)))).toBe('ERR_TOKEN_EXPIRED')
    verifier.close()
  })
})
