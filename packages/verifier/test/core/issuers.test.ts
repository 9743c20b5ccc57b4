import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VerifyError } from '../../src/errors.js'
import { BACKENDS } from '../helpers/backends.js'
import { startServer, type TestServer } from '../helpers/http-server.js'
import { newKeyPair } from '../helpers/keys.js'
import { AUDIENCE, mint } from '../helpers/tokens.js'

async function code(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (err: unknown) => (err instanceof VerifyError ? err.code : String(err)),
  )
}

describe.each(BACKENDS)('issuers ($name)', ({ createVerifier }) => {
  let server: TestServer
  const alpha = newKeyPair('ES256', { kid: 'alpha-key' })
  const beta = newKeyPair('RS256', { kid: 'beta-key' })
  const gamma = newKeyPair('EdDSA', { kid: 'gamma-key' })
  const ALPHA = 'https://alpha.example'
  const BETA = 'https://beta.example'
  const GAMMA = 'https://gamma.example'

  beforeAll(async () => {
    server = await startServer()
    server.route('/alpha/jwks', { body: { keys: [alpha.jwk] } })
    server.route('/beta/.well-known/openid-configuration', { body: { issuer: BETA, jwks_uri: `${server.origin}/beta/jwks` } })
    server.route('/beta/jwks', { body: { keys: [beta.jwk] } })
  })
  afterAll(async () => {
    await server.close()
  })

  const create = () =>
    createVerifier({
      audience: AUDIENCE,
      typ: 'at+jwt',
      issuers: [
        { issuer: ALPHA, jwksUri: `${server.origin}/alpha/jwks` },
        { issuer: BETA, discovery: `${server.origin}/beta/.well-known/openid-configuration`, audience: 'beta-app' },
        { issuer: [GAMMA, `${GAMMA}/`], keys: gamma.jwk, typ: 'jwt' },
      ],
    })

  it('routes each token by its iss to that issuer’s keys and checks', async () => {
    const verifier = create()
    const a = await verifier.verify(await mint(alpha, { claims: { iss: ALPHA }, header: { typ: 'at+jwt' } }))
    expect(a.payload.iss).toBe(ALPHA)
    const b = await verifier.verify(await mint(beta, { claims: { iss: BETA, aud: 'beta-app' }, header: { typ: 'at+jwt' } }))
    expect(b.protectedHeader.alg).toBe('RS256')
    await verifier.verify(await mint(gamma, { claims: { iss: `${GAMMA}/` }, header: { typ: 'JWT' } }))
    expect(verifier.status()).toMatchObject({
      loaded: true,
      sources: [
        { issuer: ALPHA, source: `${server.origin}/alpha/jwks` },
        { issuer: BETA, source: `${server.origin}/beta/.well-known/openid-configuration` },
        { issuer: GAMMA, source: 'keys' },
      ],
    })
    verifier.close()
  })

  it('applies each issuer’s own audience and typ, falling back to the top level', async () => {
    const verifier = create()
    expect(await code(verifier.verify(await mint(beta, { claims: { iss: BETA }, header: { typ: 'at+jwt' } })))).toBe(
      'ERR_CLAIM_INVALID',
    )
    expect(await code(verifier.verify(await mint(alpha, { claims: { iss: ALPHA } })))).toBe('ERR_TYP_MISMATCH')
    expect(await code(verifier.verify(await mint(gamma, { claims: { iss: GAMMA }, header: { typ: 'at+jwt' } })))).toBe(
      'ERR_TYP_MISMATCH',
    )
    verifier.close()
  })

  it('never verifies a token with another issuer’s keys', async () => {
    const verifier = create()
    // Signed by beta's key, claiming to come from alpha: alpha's keys do not know beta's kid.
    const token = await mint(beta, { claims: { iss: ALPHA }, header: { typ: 'at+jwt' } })
    expect(await code(verifier.verify(token))).toBe('ERR_KID_UNKNOWN')
    const sameAlg = newKeyPair('ES256', { kid: 'alpha-key' })
    const forged = await mint(sameAlg, { claims: { iss: ALPHA }, header: { typ: 'at+jwt' } })
    expect(await code(verifier.verify(forged))).toBe('ERR_SIGNATURE_INVALID')
    verifier.close()
  })

  it('refuses an iss that no entry serves, or none', async () => {
    const verifier = create()
    for (const iss of ['https://unknown.example', undefined, 42, ALPHA.toUpperCase()]) {
      const token = await mint(alpha, { claims: { iss }, header: { typ: 'at+jwt' } })
      expect(await code(verifier.verify(token)), String(iss)).toBe('ERR_ISSUER_UNKNOWN')
    }
    verifier.close()
  })

  it('refuses an alg no issuer allows before routing, and one its issuer does not allow after', async () => {
    const verifier = createVerifier({
      audience: AUDIENCE,
      algorithms: ['ES256', 'RS256'],
      issuers: [
        { issuer: ALPHA, keys: alpha.jwk, algorithms: ['ES256'] },
        { issuer: BETA, keys: beta.jwk },
      ],
    })
    await verifier.verify(await mint(alpha, { claims: { iss: ALPHA } }))
    await verifier.verify(await mint(beta, { claims: { iss: BETA } }))
    expect(await code(verifier.verify(await mint(gamma, { claims: { iss: 'https://unknown.example' } })))).toBe(
      'ERR_ALG_NOT_ALLOWED',
    )
    expect(await code(verifier.verify(await mint(beta, { claims: { iss: ALPHA } })))).toBe('ERR_ALG_NOT_ALLOWED')
    expect(await code(verifier.verify(await mint(beta, { claims: { iss: 'https://unknown.example' } })))).toBe(
      'ERR_ISSUER_UNKNOWN',
    )
  })
})
