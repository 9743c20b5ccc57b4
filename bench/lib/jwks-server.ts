/** A local JWKS endpoint on 127.0.0.1 (a free port) for the verifiers under test. */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A running JWKS server. */
export interface JwksServer {
  /** The JWKS URL. */
  url: string
  /** Requests served so far. */
  requests(): number
  close(): Promise<void>
}

/**
 * Serves `{ keys }` with a five-minute `Cache-Control`, as an issuer would.
 *
 * @example
 * ```ts
 * const server = await startJwksServer([key.jwk])
 * ```
 */
export async function startJwksServer(keys: readonly object[]): Promise<JwksServer> {
  const body = JSON.stringify({ keys })
  let requests = 0
  const server = createServer((_req, res) => {
    requests++
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    requests: () => requests,
    close() {
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
