/**
 * A real HTTP server on 127.0.0.1, port 0, serving JSON documents by path and recording
 * requests: a JWKS endpoint, a discovery document, an endpoint that fails, or a trap that
 * must stay untouched (a `jku` / `x5u` target). The JWKS cache's own suites use the richer
 * endpoint of jwks-server.ts (ETags, hanging, redirects, streamed bodies).
 */
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What a route answers. */
export interface Reply {
  status?: number
  body: unknown
  headers?: Record<string, string>
}

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** What a path without a route answers. Default: 404 with `{}`. */
  fallback?: Reply
}

/** A running server. */
export interface TestServer {
  /** e.g. `http://127.0.0.1:40123`. */
  origin: string
  /** The paths requested so far, in order. */
  requests: string[]
  /** Requests per path so far. */
  hits(path: string): number
  /** Sets what a path answers from now on (a function sees the request count). */
  route(path: string, reply: Reply | (() => Reply)): void
  close(): Promise<void>
}

/** Starts a server; paths without a route get the fallback. */
export async function startServer(options: StartServerOptions = {}): Promise<TestServer> {
  const routes = new Map<string, Reply | (() => Reply)>()
  const requests: string[] = []
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    requests.push(req.url ?? '')
    const route = routes.get(path)
    const reply = (typeof route === 'function' ? route() : route) ?? options.fallback
    if (reply === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}')
      return
    }
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers })
    res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    hits: (path) => requests.filter((url) => url.split('?')[0] === path).length,
    route(path, reply) {
      routes.set(path, reply)
    },
    close() {
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A server that answers every path with one JSON body. */
export interface JsonServer extends TestServer {
  /** `${origin}/jwks.json`. */
  jwksUri: string
  /** Replaces the body served from now on. */
  setBody(body: unknown): void
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
  const fallback: Reply = { body: JSON.stringify(body), headers: { 'cache-control': 'max-age=300' } }
  const server = await startServer({ fallback })
  return {
    ...server,
    jwksUri: `${server.origin}/jwks.json`,
    setBody(next) {
      fallback.body = JSON.stringify(next)
    },
  }
}
