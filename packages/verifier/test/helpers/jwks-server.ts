import { createHash } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What the server answers to the next requests. */
export type Behaviour =
  /** The current JWKS document, with `cacheControl` and, when `etags` is on, ETag and 304. */
  | { kind: 'jwks' }
  /** An empty answer with this status. */
  | { kind: 'status'; status: number }
  /** Never answers (until the server closes). */
  | { kind: 'hang' }
  /** A redirect to `location`. */
  | { kind: 'redirect'; status: number; location: string }
  /** This exact body; `chunked` streams it without a Content-Length. */
  | { kind: 'body'; body: string | Uint8Array; chunked: boolean }

/** A JWKS endpoint on 127.0.0.1 that counts what it is asked. */
export interface JwksServer {
  /** The JWKS URL. */
  readonly url: string
  /** The document served by the `jwks` behaviour. */
  jwks: { keys: unknown[] }
  behaviour: Behaviour
  /** The Cache-Control header of JWKS answers, if any. */
  cacheControl: string | undefined
  /** Send an ETag and answer 304 to a matching If-None-Match. */
  etags: boolean
  /** Every request's headers, in order. */
  readonly requests: IncomingHttpHeaders[]
  /** How many requests got a 304. */
  readonly notModified: number
  /** Requests that have not been answered (the `hang` behaviour). */
  readonly pending: number
  /** Resolves once `check()` holds, checking at once and after each request arrives. */
  until(check: () => boolean): Promise<void>
  close(): Promise<void>
}

/**
 * Starts a JWKS server on 127.0.0.1, port 0.
 *
 * @example
 * ```ts
 * const server = await startJwksServer({ keys: [jwk] })
 * server.behaviour = { kind: 'status', status: 500 }
 * expect(server.requests).toHaveLength(2)
 * ```
 */
export async function startJwksServer(jwks: { keys: unknown[] } = { keys: [] }): Promise<JwksServer> {
  const requests: IncomingHttpHeaders[] = []
  const hanging = new Set<ServerResponse>()
  let notModified = 0
  const waiters = new Set<() => void>()

  const state = {
    jwks,
    behaviour: { kind: 'jwks' } as Behaviour,
    cacheControl: undefined as string | undefined,
    etags: false,
  }

  const server = createServer((req, res) => {
    requests.push(req.headers)
    const behaviour = state.behaviour
    // After this request is counted (and, for `hang`, held), whoever waits looks again.
    queueMicrotask(() => {
      for (const wake of waiters) wake()
    })
    switch (behaviour.kind) {
      case 'jwks': {
        const body = JSON.stringify(state.jwks)
        const headers: Record<string, string> = { 'content-type': 'application/jwk-set+json' }
        if (state.cacheControl !== undefined) headers['cache-control'] = state.cacheControl
        if (state.etags) {
          const etag = `"${createHash('sha256').update(body).digest('base64url')}"`
          headers.etag = etag
          if (req.headers['if-none-match'] === etag) {
            notModified++
            res.writeHead(304, headers).end()
            return
          }
        }
        res.writeHead(200, headers).end(body)
        return
      }
      case 'status':
        res.writeHead(behaviour.status).end()
        return
      case 'hang':
        hanging.add(res)
        res.on('close', () => hanging.delete(res))
        return
      case 'redirect':
        res.writeHead(behaviour.status, { location: behaviour.location }).end()
        return
      case 'body': {
        const bytes = typeof behaviour.body === 'string' ? Buffer.from(behaviour.body) : behaviour.body
        if (behaviour.chunked) {
          res.writeHead(200, { 'content-type': 'application/json' })
          for (let offset = 0; offset < bytes.byteLength; offset += 16 * 1024) {
            res.write(bytes.subarray(offset, offset + 16 * 1024))
          }
          res.end()
        } else {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.byteLength) }).end(bytes)
        }
        return
      }
    }
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/jwks`,
    get jwks() {
      return state.jwks
    },
    set jwks(value) {
      state.jwks = value
    },
    get behaviour() {
      return state.behaviour
    },
    set behaviour(value) {
      state.behaviour = value
    },
    get cacheControl() {
      return state.cacheControl
    },
    set cacheControl(value) {
      state.cacheControl = value
    },
    get etags() {
      return state.etags
    },
    set etags(value) {
      state.etags = value
    },
    requests,
    get notModified() {
      return notModified
    },
    get pending() {
      return hanging.size
    },
    until(check) {
      return new Promise<void>((resolve) => {
        const wake = (): void => {
          if (!check()) return
          waiters.delete(wake)
          resolve()
        }
        waiters.add(wake)
        wake()
      })
    },
    async close() {
      for (const res of hanging) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
