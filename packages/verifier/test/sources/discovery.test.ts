import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { VerifyError } from '../../src/errors.js'
import type { VerifierEvent } from '../../src/events.js'
import { BACKENDS } from '../helpers/backends.js'
import { startServer, type TestServer } from '../helpers/http-server.js'
import { keyPair, newKeyPair } from '../helpers/keys.js'
import { AUDIENCE, mint } from '../helpers/tokens.js'

const DISCOVERY_PATH = '/.well-known/openid-configuration'

async function failure(promise: Promise<unknown>): Promise<VerifyError> {
  const error = await promise.then(
    () => expect.fail('the token was accepted'),
    (err: unknown) => err,
  )
  expect(error).toBeInstanceOf(VerifyError)
  return error as VerifyError
}

describe.each(BACKENDS)('discovery ($name)', ({ createVerifier }) => {
  let server: TestServer
  const pair = keyPair('ES256')

  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(async () => {
    await server.close()
  })

  /** An issuer of its own under the server, with its document and JWKS. */
  function issuer(name: string, document?: Record<string, unknown>): string {
    const iss = `${server.origin}/${name}`
    server.route(`/${name}${DISCOVERY_PATH}`, { body: document ?? { issuer: iss, jwks_uri: `${iss}/jwks` } })
    server.route(`/${name}/jwks`, { body: { keys: [pair.jwk] } })
    return iss
  }

  it('reads {issuer}/.well-known/openid-configuration once, on first use', async () => {
    const iss = issuer('lazy')
    const verifier = createVerifier({ issuer: iss, audience: AUDIENCE, discovery: true })
    expect(server.hits(`/lazy${DISCOVERY_PATH}`)).toBe(0)
    expect(verifier.status()).toMatchObject({ loaded: false, sources: [{ source: `${iss}${DISCOVERY_PATH}` }] })
    const tokens = await Promise.all(Array.from({ length: 10 }, () => mint(pair, { claims: { iss } })))
    await Promise.all(tokens.map((token) => verifier.verify(token)))
    expect((await verifier.verify(await mint(pair, { claims: { iss } }))).payload).toMatchObject({ sub: 'user-1' })
    expect(server.hits(`/lazy${DISCOVERY_PATH}`)).toBe(1)
    expect(server.hits('/lazy/jwks')).toBe(1)
    expect(verifier.status()).toMatchObject({ loaded: true, fresh: true })
    verifier.close()
  })

  it('takes the document URL instead, and an issuer with a trailing slash', async () => {
    const iss = issuer('explicit')
    const verifier = createVerifier({ issuer: iss, audience: AUDIENCE, discovery: `${iss}${DISCOVERY_PATH}` })
    expect((await verifier.verify(await mint(pair, { claims: { iss } }))).payload).toMatchObject({ sub: 'user-1' })
    verifier.close()
    const slashed = `${server.origin}/slashed/`
    server.route(`/slashed${DISCOVERY_PATH}`, { body: { issuer: slashed, jwks_uri: `${server.origin}/slashed/jwks` } })
    server.route('/slashed/jwks', { body: { keys: [pair.jwk] } })
    const withSlash = createVerifier({ issuer: slashed, audience: AUDIENCE, discovery: true })
    await withSlash.verify(await mint(pair, { claims: { iss: slashed } }))
    withSlash.close()
  })

  it('refuses a document naming another issuer, and waits before asking again', async () => {
    const iss = issuer('mismatch', { issuer: 'https://evil.example', jwks_uri: `${server.origin}/mismatch/jwks` })
    const events: VerifierEvent[] = []
    const verifier = createVerifier({ issuer: iss, audience: AUDIENCE, discovery: true, onEvent: (e) => events.push(e) })
    const token = await mint(pair, { claims: { iss } })
    const error = await failure(verifier.verify(token))
    expect(error.code).toBe('ERR_KEYS_UNAVAILABLE')
    expect(error.message).toMatch(/another issuer/)
    expect((await failure(verifier.verify(token))).code).toBe('ERR_KEYS_UNAVAILABLE')
    expect(server.hits(`/mismatch${DISCOVERY_PATH}`)).toBe(1)
    expect(server.hits('/mismatch/jwks')).toBe(0)
    expect(events).toContainEqual(expect.objectContaining({ type: 'jwks_fetch_error', source: `${iss}${DISCOVERY_PATH}` }))
    expect(events).toContainEqual({ type: 'verify_failed', code: 'ERR_KEYS_UNAVAILABLE' })
    expect(verifier.status().sources[0]).toMatchObject({ loaded: false, lastError: expect.stringMatching(/another issuer/) })
    verifier.close()
  })

  it('retries after the cooldown once the document is fixed', async () => {
    const iss = `${server.origin}/flaky`
    let calls = 0
    server.route(`/flaky${DISCOVERY_PATH}`, () =>
      ++calls === 1 ? { status: 503, body: {} } : { body: { issuer: iss, jwks_uri: `${iss}/jwks` } },
    )
    server.route('/flaky/jwks', { body: { keys: [pair.jwk] } })
    // The discovery source reads the system clock: fake Date alone, so requests stay real.
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const verifier = createVerifier({ issuer: iss, audience: AUDIENCE, discovery: true, cache: { cooldown: 50 } })
      const token = await mint(pair, { claims: { iss } })
      expect((await failure(verifier.verify(token))).message).toMatch(/503/)
      vi.setSystemTime(Date.now() + 49)
      expect((await failure(verifier.verify(token))).message).toMatch(/503/)
      expect(calls).toBe(1)
      vi.setSystemTime(Date.now() + 1)
      const { payload } = await verifier.verify(token)
      expect(payload).toMatchObject({ iss, sub: 'user-1' })
      expect(calls).toBe(2)
      verifier.close()
    } finally {
      vi.useRealTimers()
    }
  })

  it('fails with ERR_KEYS_UNAVAILABLE on a bad document or an unusable jwks_uri', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['nojwks', (iss: string) => ({ issuer: iss }), /jwks_uri/],
      ['httpjwks', (iss: string) => ({ issuer: iss, jwks_uri: 'http://keys.example.com/jwks' }), /https/],
      ['notjson', () => 'not json', /valid JSON/],
      ['dupes', (iss: string) => `{"issuer":"${iss}","jwks_uri":"x","jwks_uri":"${iss}/jwks"}`, /duplicate/],
      ['missing', undefined, /404/],
    ]
    for (const [name, body, message] of cases) {
      const iss = `${server.origin}/${name}`
      if (body !== undefined) {
        server.route(`/${name}${DISCOVERY_PATH}`, { body: typeof body === 'function' ? body(iss) : body })
      }
      const verifier = createVerifier({ issuer: iss, audience: AUDIENCE, discovery: true })
      const error = await failure(verifier.verify(await mint(pair, { claims: { iss } })))
      expect(error.code, name).toBe('ERR_KEYS_UNAVAILABLE')
      expect(error.message, name).toMatch(message)
      verifier.close()
    }
  })

  it('does not follow a redirect', async () => {
    const iss = `${server.origin}/moved`
    issuer('target')
    server.route(`/moved${DISCOVERY_PATH}`, {
      status: 302,
      body: {},
      headers: { location: `${server.origin}/target${DISCOVERY_PATH}` },
    })
    const verifier = createVerifier({ issuer: iss, audience: AUDIENCE, discovery: true })
    expect((await failure(verifier.verify(await mint(pair, { claims: { iss } })))).code).toBe('ERR_KEYS_UNAVAILABLE')
    expect(server.hits(`/target${DISCOVERY_PATH}`)).toBe(0)
    verifier.close()
  })

  it('refuses a document larger than the response limit', async () => {
    const iss = `${server.origin}/huge`
    server.route(`/huge${DISCOVERY_PATH}`, { body: { issuer: iss, jwks_uri: `${iss}/jwks`, filler: 'x'.repeat(4096) } })
    const verifier = createVerifier({ issuer: iss, audience: AUDIENCE, discovery: true, cache: { maxResponseBytes: 1024 } })
    expect((await failure(verifier.verify(await mint(pair, { claims: { iss } })))).message).toMatch(/larger than 1024/)
    verifier.close()
  })

  it('lets the verified-token cache forget tokens whose key the discovered JWKS drops', async () => {
    const iss = `${server.origin}/rotating`
    const old = newKeyPair('ES256', { kid: 'old' })
    const next = newKeyPair('ES256', { kid: 'next' })
    server.route(`/rotating${DISCOVERY_PATH}`, { body: { issuer: iss, jwks_uri: `${iss}/jwks` } })
    server.route('/rotating/jwks', { body: { keys: [old.jwk] }, headers: { 'cache-control': 'no-store' } })
    const verifier = createVerifier({ issuer: iss, audience: AUDIENCE, discovery: true, tokenCache: true, cache: { cooldown: 0 } })
    const token = await mint(old, { claims: { iss } })
    const first = await verifier.verify(token)
    expect(await verifier.verify(token)).toBe(first)
    server.route('/rotating/jwks', { body: { keys: [next.jwk] }, headers: { 'cache-control': 'no-store' } })
    expect((await verifier.verify(await mint(next, { claims: { iss } }))).payload).toMatchObject({ sub: 'user-1' })
    expect((await failure(verifier.verify(token))).code).toBe('ERR_KID_UNKNOWN')
    verifier.close()
  })
})

