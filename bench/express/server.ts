/**
 * The app under load: one Express 5 server, in its own process, with the same handler
 * behind each middleware under test. Prints `listening on URL` when ready.
 */
import { requireAuth } from '@jwtis/express'
import express, { type RequestHandler } from 'express'
import { expressjwt, type GetVerificationKey } from 'express-jwt'
import { auth } from 'express-oauth2-jwt-bearer'
import { expressJwtSecret } from 'jwks-rsa'

const jwksUri = process.env['BENCH_JWKS_URI']!
const issuer = process.env['BENCH_ISSUER']!
const audience = process.env['BENCH_AUDIENCE']!

const handler: RequestHandler = (_req, res) => {
  res.json({ ok: true })
}

const app = express()
app.disable('x-powered-by')
app.get('/bare', handler)
app.get('/jwtis', requireAuth({ issuer, audience, jwksUri, algorithms: ['ES256'] }), handler)
// The same without the verified-token cache: every request pays for the signature check.
app.get('/jwtis-uncached', requireAuth({ issuer, audience, jwksUri, algorithms: ['ES256'], tokenCache: false }), handler)
app.get('/oauth2-jwt-bearer', auth({ issuer, audience, jwksUri, tokenSigningAlg: 'ES256' }), handler)
app.get(
  '/express-jwt',
  expressjwt({
    secret: expressJwtSecret({ jwksUri, cache: true, rateLimit: true }) as GetVerificationKey,
    algorithms: ['ES256'],
    issuer,
    audience,
  }) as unknown as RequestHandler,
  handler,
)

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number }
  console.log(`listening on http://127.0.0.1:${port}`)
})
process.once('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
