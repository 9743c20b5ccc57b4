// Tokens issued over HTTP are checked only with libraries that share no code with the
// issuer: jose's remote JWKS (per client and through discovery), and jsonwebtoken with
// jwks-rsa (which handle RS*, PS* and ES*, not EdDSA).
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import jwksRsa from 'jwks-rsa'
import jsonwebtoken, { type Algorithm } from 'jsonwebtoken'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, issuePair, registerClient, renewPair } from '../helpers/api.js'
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

let t: TestIssuer

beforeAll(async () => {
  t = await startTestIssuer({ name: 'https://id.example.test' })
})
afterAll(async () => {
  await t?.close()
})

interface Combo {
  sig_alg: string
  sig_bits?: number
  enc_alg: string
  enc_bits?: number
  cont_enc?: string
}

// Every signing alg, each with a key-management alg, so every key-management alg and
// content encryption is met at least once.
const COMBOS: Combo[] = [
  { sig_alg: 'ES256', enc_alg: 'ECDH-ES+A256KW' },
  { sig_alg: 'ES384', enc_alg: 'ECDH-ES', enc_bits: 384, cont_enc: 'A128GCM' },
  { sig_alg: 'ES512', enc_alg: 'ECDH-ES+A128KW', enc_bits: 521 },
  { sig_alg: 'EdDSA', enc_alg: 'ECDH-ES+A192KW', cont_enc: 'A192GCM' },
  { sig_alg: 'RS256', sig_bits: 2048, enc_alg: 'RSA-OAEP-256', enc_bits: 2048 },
  { sig_alg: 'RS384', enc_alg: 'RSA-OAEP', enc_bits: 2048, cont_enc: 'A128GCM' },
  { sig_alg: 'RS512', sig_bits: 3072, enc_alg: 'ECDH-ES+A256KW', enc_bits: 384 },
  { sig_alg: 'PS256', enc_alg: 'RSA-OAEP-256', enc_bits: 3072, cont_enc: 'A192GCM' },
  { sig_alg: 'PS384', enc_alg: 'ECDH-ES', enc_bits: 521 },
  { sig_alg: 'PS512', enc_alg: 'ECDH-ES+A128KW' },
]

/** jsonwebtoken verification with the key jwks-rsa finds in the client's JWKS. */
async function verifyWithJsonwebtoken(token: string, kid: string, alg: string): Promise<jsonwebtoken.JwtPayload> {
  const client = jwksRsa({ jwksUri: `${t.url}/jwks/${kid}`, cache: false })
  const header = decodeProtectedHeader(token)
  const key = await client.getSigningKey(header.kid)
  const payload = jsonwebtoken.verify(token, key.getPublicKey(), {
    algorithms: [alg as Algorithm],
    issuer: 'https://id.example.test',
    audience: kid,
  })
  if (typeof payload === 'string') throw new Error('expected a JSON payload')
  return payload
}

describe.each(COMBOS)('$sig_alg with $enc_alg', (combo) => {
  const kid = `c-${combo.sig_alg}-${combo.enc_alg}`.toLowerCase().replace(/[^a-z0-9-]/g, '-')

  it('registers, issues and renews over HTTP; tokens verify with jose and jsonwebtoken', async () => {
    const client = await registerClient(t, kid, { ...combo })
    expect(client.registration.pub_sig_key.alg).toBe(combo.sig_alg)
    expect(client.registration.pub_enc_key.alg).toBe(combo.enc_alg)

    const pair = await issuePair(t, client, { sub: 'user-1', scope: 'read' })
    const jwe = decodeProtectedHeader(pair.refresh_token)
    expect(jwe).toMatchObject({ alg: combo.enc_alg, enc: combo.cont_enc ?? 'A256GCM', cty: 'JWT' })

    const renewed = await renewPair(t, client, pair.refresh_token)
    expect(renewed.status).toBe(200)

    const jwks = createRemoteJWKSet(new URL(`${t.url}/jwks/${kid}`))
    for (const token of [pair.access_token, renewed.body.access_token]) {
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer: 'https://id.example.test',
        audience: kid,
        typ: 'at+jwt',
        algorithms: [combo.sig_alg],
      })
      expect(protectedHeader.kid).toBe(client.registration.pub_sig_key.kid)
      expect(payload).toMatchObject({ sub: 'user-1', scope: 'read', client_id: kid })
      if (combo.sig_alg !== 'EdDSA') {
        const checked = await verifyWithJsonwebtoken(token, kid, combo.sig_alg)
        expect(checked).toMatchObject({ sub: 'user-1', scope: 'read' })
      }
    }
  })
})

describe('discovery', () => {
  it("leads jose from the document's jwks_uri to keys that verify every client's tokens", async () => {
    const client = await registerClient(t, 'discovered', { sig_alg: 'PS256' })
    const pair = await issuePair(t, client, { sub: 'user-2' })
    const document = (await api(t.url, 'GET', '/.well-known/openid-configuration')).body
    expect(document.issuer).toBe('https://id.example.test')
    const jwks = createRemoteJWKSet(new URL(document.jwks_uri))
    const { payload } = await jwtVerify(pair.access_token, jwks, { issuer: document.issuer, audience: 'discovered' })
    expect(payload.sub).toBe('user-2')
    expect(document.id_token_signing_alg_values_supported).toContain('PS256')
  })

  it('leads jwks-rsa to the same keys', async () => {
    const client = await registerClient(t, 'discovered-rsa', { sig_alg: 'ES384' })
    const pair = await issuePair(t, client, { sub: 'user-3' })
    const document = (await api(t.url, 'GET', '/.well-known/openid-configuration')).body
    const key = await jwksRsa({ jwksUri: document.jwks_uri, cache: false }).getSigningKey(decodeProtectedHeader(pair.access_token).kid)
    const payload = jsonwebtoken.verify(pair.access_token, key.getPublicKey(), { algorithms: ['ES384'], issuer: document.issuer })
    expect(payload).toMatchObject({ sub: 'user-3', aud: 'discovered-rsa' })
  })

  it("refuses a token checked against another client's JWKS", async () => {
    const one = await registerClient(t, 'one-of-two')
    await registerClient(t, 'two-of-two')
    const pair = await issuePair(t, one)
    const jwks = createRemoteJWKSet(new URL(`${t.url}/jwks/two-of-two`))
    await expect(jwtVerify(pair.access_token, jwks, { issuer: 'https://id.example.test' })).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    })
  })
})
