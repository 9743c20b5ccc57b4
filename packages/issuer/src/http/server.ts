import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import express from 'express'
import type { Issuer } from '../core/types.js'
import { createFastTokenRoutes } from './fast-token-routes.js'
import { createIssuerMetrics, type IssuerMetrics } from './metrics.js'
import { createIssuerRouter } from './router.js'

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** The issuer core to serve. `close()` of the server leaves it open: close it after. */
  issuer: Issuer
  /** Where to listen. Default `127.0.0.1:4343`; port 0 takes a free port. */
  listen?: { host: string; port: number } | undefined
  /** Serve https with this PEM certificate (chain) and private key. Default: plain http. */
  tls?: { cert: string | Uint8Array; key: string | Uint8Array } | undefined
  /** The public base URL, from which `jwks_uri` is built. Default: the listen URL. */
  publicUrl?: string | undefined
  /** Where unexpected errors are reported; lines never hold secrets. Default `console.error`. */
  log?: ((line: string) => void) | undefined
  /** The metrics `/metrics` exposes. Default: a fresh registry with process metrics. */
  metrics?: IssuerMetrics | undefined
  /**
   * How long `close()` lets in-flight requests run before it cuts their connections, in
   * milliseconds. Default 10000.
   */
  shutdownTimeout?: number | undefined
}

/** A listening issuer server. */
export interface RunningServer {
  /** `http://HOST:PORT` or `https://HOST:PORT`, with the real port when 0 was asked. */
  readonly url: string
  readonly host: string
  readonly port: number
  /**
   * Stops accepting connections, lets in-flight requests finish (up to `shutdownTimeout`),
   * and resolves once the server is closed. Safe to call more than once.
   */
  close(): Promise<void>
}

const DEFAULT_LISTEN = { host: '127.0.0.1', port: 4343 }

function toPem(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new Error(`cannot listen on ${urlHost(host)}:${port}: ${err.message}`, { cause: err }))
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve(server.address() as AddressInfo)
    })
  })
}

/**
 * Runs the issuer's HTTP API as a standalone server (Express 5 app with only the issuer
 * router, `x-powered-by` off, JSON 404 for unknown routes).
 *
 * @example
 * ```ts
 * const server = await startServer({ issuer, listen: { host: '127.0.0.1', port: 0 } })
 * console.log(`listening on ${server.url}`)
 * process.once('SIGTERM', async () => {
 *   await server.close()
 *   await issuer.close()
 * })
 * ```
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { host, port } = options.listen ?? DEFAULT_LISTEN
  if (typeof host !== 'string' || host === '') throw new TypeError('startServer: listen.host must be a host name or address')
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError('startServer: listen.port must be an integer from 0 to 65535')
  }
  const shutdownTimeout = options.shutdownTimeout ?? 10_000
  if (!Number.isFinite(shutdownTimeout) || shutdownTimeout < 0) {
    throw new TypeError('startServer: shutdownTimeout must be a non-negative number of milliseconds')
  }
  const scheme = options.tls === undefined ? 'http' : 'https'
  let url = `${scheme}://${urlHost(host)}:${port}`
  let closing = false

  const metrics = options.metrics ?? createIssuerMetrics()
  const log = options.log ?? ((line: string) => console.error(line))
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false) // the JWKS routes set their own strong ETag
  app.use((_req, res, next) => {
    // While shutting down, in-flight answers end their keep-alive connections.
    if (closing) res.set('Connection', 'close')
    next()
  })
  app.use(
    createIssuerRouter({
      issuer: options.issuer,
      publicUrl: options.publicUrl ?? (() => url),
      log,
      metrics,
      notFound: true,
    }),
  )
  const fast = createFastTokenRoutes({ issuer: options.issuer, metrics, log, closing: () => closing })
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (!fast(req, res)) app(req, res)
  }

  const server =
    options.tls === undefined
      ? createHttpServer(handle)
      : createHttpsServer({ cert: toPem(options.tls.cert), key: toPem(options.tls.key) }, handle)
  server.on('request', (_req, res) => {
    // An answer finished during shutdown leaves its connection idle: close it then.
    res.on('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections())
    })
  })
  const address = await listen(server, host, port)
  url = `${scheme}://${urlHost(host)}:${address.port}`

  let closed: Promise<void> | undefined
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve, reject) => {
      closing = true
      const force = setTimeout(() => server.closeAllConnections(), shutdownTimeout)
      force.unref()
      server.close((err) => {
        clearTimeout(force)
        if (err !== undefined) reject(err)
        else resolve()
      })
      server.closeIdleConnections()
    })
    return closed
  }

  return { url, host, port: address.port, close }
}
