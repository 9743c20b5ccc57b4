/**
 * The standalone server's fast path for its two hot routes, `POST /issue_token` and
 * `POST /renew_token`: the same checks and answers as the Express router, without its
 * per-request machinery (routing, middleware chain, body-parser's stream set-up), which
 * cost about as much CPU as the rest of an issue. Only requests whose framing is plain
 * take it: an exact path, a `Content-Length` from 1 to 64 KiB, no `Content-Encoding` or
 * `Transfer-Encoding`, and JSON in UTF-8 or no `Content-Type` at all. Every other request,
 * odd ones included, goes to Express, so that each of its refusals stays exactly as it is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Issuer, TokenPair } from '../core/types.js'
import { IssuerError } from '../errors.js'
import type { HeaderSource } from './auth.js'
import { MAX_BODY_BYTES } from './body.js'
import type { Fields } from './fields.js'
import type { IssuerMetrics } from './metrics.js'
import { describeError } from './redact.js'
import { toErrorResponse } from './status.js'
import { issueFromRequest, renewFromRequest, type TokenRouteContext, tokenPairBody } from './token-routes.js'

/** Options of {@link createFastTokenRoutes}. */
export interface FastTokenRoutesOptions {
  issuer: Issuer
  metrics: IssuerMetrics
  log: (line: string) => void
  /** True while the server shuts down: answers then close their connection. */
  closing: () => boolean
}

/** Answers a request and returns true, or returns false and leaves it to the app. */
export type FastTokenRoutes = (req: IncomingMessage, res: ServerResponse) => boolean

type Handler = (context: TokenRouteContext, req: HeaderSource, fields: Fields) => Promise<TokenPair>

const HANDLERS: ReadonlyMap<string, Handler> = new Map([
  ['/issue_token', issueFromRequest],
  ['/renew_token', renewFromRequest],
])
const CONTENT_LENGTH = /^[0-9]{1,6}$/
const JSON_TYPE = /^application\/json(?:; ?charset=utf-8)?$/i
const BOM = 0xfeff
const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d])

/** Whether the request's framing is one the fast path reads exactly as body-parser would. */
function isPlain(req: IncomingMessage): boolean {
  const { headers } = req
  const length = headers['content-length']
  if (length === undefined || !CONTENT_LENGTH.test(length)) return false
  const bytes = Number(length)
  if (bytes < 1 || bytes > MAX_BODY_BYTES) return false
  if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return false
  const type = headers['content-type']
  return type === undefined || JSON_TYPE.test(type)
}

/** The body as the router's JSON parser reads it: the same values, the same refusals. */
export function parseJsonObject(body: Buffer): Fields {
  let text = body.toString('utf8')
  if (text.charCodeAt(0) === BOM) text = text.slice(1)
  if (text.length === 0) return {}
  let first = 0
  while (first < text.length && JSON_WHITESPACE.has(text.charCodeAt(first))) first++
  const opening = text[first]
  let value: unknown
  try {
    if (opening !== '{' && opening !== '[') throw new SyntaxError('not an object or array')
    value = JSON.parse(text)
  } catch {
    throw new IssuerError('invalid_request', 'the request body is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IssuerError('invalid_request', 'the request body must be a JSON object')
  }
  return value as Fields
}

/** Reads the whole body; rejects with the router's refusal when the request ends early. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let ended = false
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.once('end', () => {
      ended = true
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
    })
    const incomplete = (): void => {
      if (!ended) reject(new IssuerError('invalid_request', 'the request body is incomplete'))
    }
    req.once('error', incomplete)
    req.once('close', incomplete)
  })
}

/**
 * The fast path for a standalone server; give it each request before the Express app.
 *
 * @example
 * ```ts
 * const fast = createFastTokenRoutes({ issuer, metrics, log, closing: () => closing })
 * const server = createServer((req, res) => fast(req, res) || app(req, res))
 * ```
 */
export function createFastTokenRoutes(options: FastTokenRoutesOptions): FastTokenRoutes {
  const { metrics, log, closing } = options
  const context: TokenRouteContext = { issuer: options.issuer, metrics }

  /** Writes an answer with the headers the router's would carry, in the same order. */
  function send(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
    const text = JSON.stringify(body)
    if (closing()) res.setHeader('Connection', 'close')
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('X-Content-Type-Options', 'nosniff')
    if (headers !== undefined) for (const name of Object.keys(headers)) res.setHeader(name, headers[name]!)
    res.setHeader('Content-Type', 'application/json; charset=utf-8')
    res.setHeader('Content-Length', Buffer.byteLength(text))
    res.statusCode = status
    res.end(text)
  }

  return (req, res) => {
    if (req.method !== 'POST') return false
    const path = req.url ?? ''
    const handler = HANDLERS.get(path)
    if (handler === undefined || !isPlain(req)) return false
    const started = performance.now()
    res.once('finish', () => {
      metrics.observeRequest('POST', path, res.statusCode, (performance.now() - started) / 1000)
    })
    const headers: HeaderSource = {
      get: (name) => {
        const value = req.headers[name.toLowerCase()]
        return Array.isArray(value) ? value.join(', ') : value
      },
    }
    readBody(req)
      .then((body) => handler(context, headers, parseJsonObject(body)))
      .then(
        (pair) => send(res, 200, tokenPairBody(pair)),
        (err: unknown) => {
          const answer = toErrorResponse(err)
          if (answer.internal) log(`jwtis: POST ${path} failed: ${describeError(err)}`)
          send(res, answer.status, answer.body, answer.headers)
        },
      )
    return true
  }
}
