/**
 * Starts a local JWKS endpoint, mints a token with a key it publishes, and verifies the
 * token with @jwtis/verifier fetching the keys over HTTP, as an app would from its issuer.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createVerifier, isVerifyError } from '@jwtis/verifier'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'

const { privateKey, publicKey } = await generateKeyPair('ES256')
const publicJwk = { ...(await exportJWK(publicKey)), kid: 'demo-key', alg: 'ES256', use: 'sig' }

const jwksServer = createServer((req, res) => {
  if (req.url !== '/jwks.json') {
    res.writeHead(404).end()
    return
  }
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' })
  res.end(JSON.stringify({ keys: [publicJwk] }))
})
await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
const { port } = jwksServer.address() as AddressInfo
const jwksUri = `http://127.0.0.1:${port}/jwks.json`
console.log(`JWKS served at ${jwksUri}`)

const token = await new SignJWT({ scope: 'orders:read' })
  .setProtectedHeader({ alg: 'ES256', kid: 'demo-key', typ: 'at+jwt' })
  .setIssuer('https://id.example.com')
  .setAudience('shop')
  .setSubject('user-42')
  .setIssuedAt()
  .setExpirationTime('15m')
  .sign(privateKey)

const verifier = createVerifier({
  issuer: 'https://id.example.com',
  audience: 'shop',
  jwksUri,
  algorithms: ['ES256'],
  typ: 'at+jwt',
})

try {
  const { payload, protectedHeader } = await verifier.verify(token)
  console.log('verified:', { kid: protectedHeader.kid, sub: payload.sub, scope: payload.scope })
  try {
    await verifier.verify(`${token.slice(0, -4)}AAAA`)
  } catch (err) {
    if (!isVerifyError(err)) throw err
    console.log('tampered token refused:', err.code)
  }
  console.log('keys status:', verifier.status())
} finally {
  verifier.close()
  jwksServer.close()
}
