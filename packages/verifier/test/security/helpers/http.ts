/**
 * A real HTTP server on 127.0.0.1 (port 0) that answers every request with a JSON body and
 * records what it was asked: a JWKS endpoint for the verifier, or a trap that must stay
 * untouched (a `jku` / `x5u` target).
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A running JSON server. */
export interface JsonServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  origin: string
  /** `${origin}/jwks.json`. */
  jwksUri: string
  /** The paths requested so far, in order. */
  requests: string[]
  /** Replaces the body served from now on. */
  setBody(body: unknown): void
  close(): Promise<void>
}

/**
 * Starts a server answering every path with `body` as JSON (`cache-control: max-age=300`).
 *
 * @example
 * ```ts
 * const server = await startJsonServer({ keys: [jwk] })
 * const verifier = createVerifier({ jwksUri: server.jwksUri, ... })
 * ```
 */
export async function startJsonServer(body: unknown): Promise<JsonServer> {
  let current = JSON.stringify(body)
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' })
    res.end(current)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  return {
    origin,
    jwksUri: `${origin}/jwks.json`,
    requests,
    setBody(next) {
      current = JSON.stringify(next)
    },
    close() {
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
