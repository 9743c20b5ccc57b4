/**
 * @jwtis/express accepts the tokens of another issuer: panva's oidc-provider, started on
 * 127.0.0.1, issuing RFC 9068 JWT access tokens for a resource indicator through the
 * client credentials grant. The middleware finds its keys through discovery.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { requireAuth } from '@jwtis/express'
import { createVerifier, type Verifier } from '@jwtis/verifier'
import express from 'express'
import Provider from 'oidc-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const RESOURCE = 'https://api.example.test'
const CLIENT = { id: 'reporting', secret: 'a-client-secret-of-reasonable-length-for-tests' }

let provider: Server
let providerUrl: string
let app: Server
let appUrl: string
let verifier: Verifier

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function close(server: Server | undefined): Promise<void> {
  if (server === undefined) return
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
}

beforeAll(async () => {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end()
  provider = createServer((req, res) => handle(req, res))
  providerUrl = await listen(provider)
  // Generated as DER and imported again: exporting a JWK of a freshly generated KeyObject can hang Node 20.
  const { privateKey: der } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  })
  const privateJwk = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' })
  const oidc = new Provider(providerUrl, {
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [{ ...privateJwk, kid: 'oidc-es256', alg: 'ES256', use: 'sig' }] },
    scopes: ['orders:read'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          audience: RESOURCE,
          scope: 'orders:read',
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  })
  handle = oidc.callback()

  verifier = createVerifier({ issuer: providerUrl, audience: RESOURCE, discovery: true, typ: 'at+jwt', algorithms: ['ES256'] })
  const api = express()
  api.get('/orders', requireAuth({ verifier }, { scopes: ['orders:read'] }), (req, res) => {
    res.json({ client: req.auth?.payload['client_id'], scope: req.auth?.payload['scope'] })
  })
  app = createServer(api)
  appUrl = await listen(app)
})
afterAll(async () => {
  verifier?.close()
  await close(app)
  await close(provider)
})

async function clientCredentialsToken(scope: string): Promise<string> {
  const answer = await fetch(`${providerUrl}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: RESOURCE }),
  })
  const body = (await answer.json()) as { access_token?: string; error?: string }
  if (answer.status !== 200 || body.access_token === undefined) throw new Error(`token endpoint answered ${answer.status}: ${JSON.stringify(body)}`)
  return body.access_token
}

describe('@jwtis/express with oidc-provider as the issuer', () => {
  it('accepts its JWT access token, found through its discovery document', async () => {
    const token = await clientCredentialsToken('orders:read')
    expect(token.split('.')).toHaveLength(3)
    const answer = await fetch(`${appUrl}/orders`, { headers: { authorization: `Bearer ${token}` } })
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({ client: CLIENT.id, scope: 'orders:read' })
  })

  it('refuses its token without the scope (403) and a tampered one (401)', async () => {
    const token = await clientCredentialsToken('')
    const noScope = await fetch(`${appUrl}/orders`, { headers: { authorization: `Bearer ${token}` } })
    expect(noScope.status).toBe(403)
    const [h, p, s] = token.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, scope: 'orders:read' })).toString('base64url')}.${s}`
    const refused = await fetch(`${appUrl}/orders`, { headers: { authorization: `Bearer ${tampered}` } })
    expect(refused.status).toBe(401)
  })
})
