/**
 * A real HTTP server on 127.0.0.1, port 0, serving JSON documents by path and counting
 * requests: a JWKS endpoint, a discovery document, or an endpoint that fails.
 */
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What a route answers. */
export interface Reply {
  status?: number
  body: unknown
  headers?: Record<string, string>
}

/** A running server. */
export interface TestServer {
  /** e.g. `http://127.0.0.1:40123`. */
  origin: string
  /** Requests per path so far. */
  hits(path: string): number
  /** Sets what a path answers from now on (a function sees the request count). */
  route(path: string, reply: Reply | (() => Reply)): void
  close(): Promise<void>
}

/** Starts a server; unknown paths answer 404. */
export async function startServer(): Promise<TestServer> {
  const routes = new Map<string, Reply | (() => Reply)>()
  const counts = new Map<string, number>()
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    counts.set(path, (counts.get(path) ?? 0) + 1)
    const route = routes.get(path)
    const reply = typeof route === 'function' ? route() : route
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
    hits: (path) => counts.get(path) ?? 0,
    route(path, reply) {
      routes.set(path, reply)
    },
    close() {
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
