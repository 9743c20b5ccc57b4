/**
 * Signed resource links: the client server asks the issuer for a token that grants one
 * user one file until it expires, and hands out a link with it. Opening the link is
 * checked locally against the JWKS, so it keeps working while the issuer is down. Each
 * step is printed; any surprise exits 1.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createResourceLinks } from '@jwtis/express'
import { createIssuer, createSqliteStore, startServer } from '@jwtis/issuer'
import { createVerifier } from '@jwtis/verifier'
import express from 'express'

function step(text: string): void {
  console.log(`- ${text}`)
}

function expectStatus(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`)
}

const dir = await mkdtemp(join(tmpdir(), 'jwtis-links-'))
const adminToken = randomBytes(24).toString('base64url')
const issuer = await createIssuer({
  store: createSqliteStore({ path: join(dir, 'keys.db') }),
  password: randomBytes(24).toString('base64url'),
  adminToken,
})
const issuerServer = await startServer({ issuer, listen: { host: '127.0.0.1', port: 0 } })
const registration = await fetch(`${issuerServer.url}/register/files`, {
  method: 'POST',
  headers: { authorization: `Bearer ${adminToken}` },
})
expectStatus('register', registration.status, 201)
const { client_token: clientToken } = (await registration.json()) as { client_token: string }
step(`issuer on ${issuerServer.url}, client "files" registered`)

const verifier = createVerifier({ issuer: 'JWTIS', audience: 'files', jwksUri: `${issuerServer.url}/jwks/files`, clockTolerance: 0 })
const links = createResourceLinks({ issuerUrl: issuerServer.url, kid: 'files', clientToken, verifier, basePath: '/files' })
const invoices: Record<string, string> = { '2024-117': 'Invoice 2024-117: 3 items, 42.00 EUR', '2024-118': 'Invoice 2024-118' }

const app = express()
// The link as signed: it serves whatever its token grants.
app.get('/files/:token', links.middleware(), (req, res) => {
  res.type('text/plain').send(invoices[String(req.resource).replace('invoice:', '')] ?? '')
})
// A route that names the invoice itself refuses a token granting another one.
app.get('/invoices/:id/:token', links.middleware({ resource: (req) => `invoice:${req.params['id']}` }), (req, res) => {
  res.type('text/plain').send(invoices[String(req.params['id'])] ?? '')
})
const appServer: Server = await new Promise((resolve) => {
  const server = app.listen(0, '127.0.0.1', () => resolve(server))
})
const appUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`

/** The same token under the route that names the invoice: /invoices/<id>/<token>. */
function invoiceRoute(signed: string, id: string): string {
  return `${appUrl}/invoices/${id}/${signed.slice(signed.lastIndexOf('/') + 1)}`
}

try {
  const signed = await links.sign({ sub: 'user-42', resource: 'invoice:2024-117', ttl: '10m' })
  const short = await links.sign({ sub: 'user-42', resource: 'invoice:2024-117', ttl: '1s' })
  step(`signed a 10 minute link: ${signed.slice(0, 40)}...`)

  await issuerServer.close()
  step('issuer stopped: links are checked locally from here on')

  const opened = await fetch(`${appUrl}${signed}`)
  expectStatus('valid link', opened.status, 200)
  step(`the link opens its invoice: ${opened.status} "${await opened.text()}"`)

  const other = await fetch(invoiceRoute(signed, '2024-118'))
  expectStatus('other resource', other.status, 403)
  step(`its token where the route names another invoice: ${other.status}`)

  const garbage = await fetch(`${appUrl}/files/not-a-token`)
  expectStatus('garbage', garbage.status, 401)
  step(`a made-up token: ${garbage.status}`)

  await sleep(1100)
  const expired = await fetch(`${appUrl}${short}`)
  expectStatus('expired link', expired.status, 410)
  step(`a 1 second link, a second later: ${expired.status} Gone`)
  step('done')
} finally {
  verifier.close()
  appServer.closeAllConnections()
  await new Promise((resolve) => appServer.close(resolve))
  await issuerServer.close()
  await issuer.close()
  await rm(dir, { recursive: true, force: true })
}
