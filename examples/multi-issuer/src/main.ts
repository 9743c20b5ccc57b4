/**
 * One API, two issuers (say, one per region, each with its own store): a verifier with
 * `issuers: [...]` routes each token by its `iss` to that issuer's keys only, and one
 * `requireAuth` accepts both. Each step is printed; any surprise exits 1.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createIssuerClient } from '@jwtis/client'
import { requireAuth } from '@jwtis/express'
import { createIssuer, createSqliteStore, startServer } from '@jwtis/issuer'
import { createVerifier } from '@jwtis/verifier'
import express from 'express'

function step(text: string): void {
  console.log(`- ${text}`)
}

function expectStatus(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`)
}

/** Starts an issuer named `name` on its own store and registers the client "api". */
async function startRegion(name: string, dir: string) {
  const adminToken = randomBytes(24).toString('base64url')
  const issuer = await createIssuer({
    store: createSqliteStore({ path: join(dir, `${name}.db`) }),
    password: randomBytes(24).toString('base64url'),
    adminToken,
    name,
  })
  const server = await startServer({ issuer, listen: { host: '127.0.0.1', port: 0 } })
  const registration = await fetch(`${server.url}/register/api`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } })
  expectStatus(`register at ${name}`, registration.status, 201)
  const { client_token: clientToken } = (await registration.json()) as { client_token: string }
  const client = createIssuerClient({ url: server.url, kid: 'api', clientToken })
  return {
    name,
    url: server.url,
    client,
    async close() {
      await server.close()
      await issuer.close()
    },
  }
}

const dir = await mkdtemp(join(tmpdir(), 'jwtis-multi-'))
const eu = await startRegion('issuer-eu', dir)
const us = await startRegion('issuer-us', dir)
step(`issuers ${eu.name} on ${eu.url} and ${us.name} on ${us.url}`)

const verifier = createVerifier({
  audience: 'api',
  typ: 'at+jwt',
  issuers: [
    { issuer: eu.name, jwksUri: `${eu.url}/jwks/api` },
    { issuer: us.name, jwksUri: `${us.url}/jwks/api` },
  ],
})
const app = express()
app.get('/whoami', requireAuth({ verifier }), (req, res) => {
  res.json({ sub: req.auth?.payload.sub, iss: req.auth?.payload.iss })
})
const appServer: Server = await new Promise((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(s))
})
const url = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}/whoami`

async function call(token: string): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${token}` } })
}

try {
  for (const region of [eu, us]) {
    const { accessToken } = await region.client.issue({ claims: { sub: `user-of-${region.name}` } })
    const answer = await call(accessToken)
    expectStatus(region.name, answer.status, 200)
    step(`token of ${region.name}: ${answer.status} ${JSON.stringify(await answer.json())}`)
  }

  // A token that claims one issuer but carries another's signature: routed by `iss` to the
  // keys of the issuer it names, where its kid is unknown.
  const { accessToken } = await us.client.issue({ claims: { sub: 'mallory' } })
  const [header = '', payload = '', signature = ''] = accessToken.split('.')
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
  const relabelled = `${header}.${Buffer.from(JSON.stringify({ ...claims, iss: eu.name })).toString('base64url')}.${signature}`
  const refused = await call(relabelled)
  expectStatus('relabelled token', refused.status, 401)
  step(`a ${us.name} token relabelled as ${eu.name}: ${refused.status}`)

  const unknown = await call(accessToken.replace(/^[^.]+/, Buffer.from('{"alg":"none"}').toString('base64url')))
  expectStatus('alg none', unknown.status, 401)
  step(`the same token with alg "none": ${unknown.status}`)
  step('done')
} finally {
  verifier.close()
  appServer.closeAllConnections()
  await new Promise((resolve) => appServer.close(resolve))
  await eu.close()
  await us.close()
  await rm(dir, { recursive: true, force: true })
}
