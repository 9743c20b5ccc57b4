import type { Clock } from '../clock.js'
import { discardBody, readBoundedText } from '../read-body.js'

/** One JWKS request's settings. */
export interface FetchJwksOptions {
  fetch: typeof fetch
  /** Milliseconds for the whole exchange, body included. */
  timeoutMs: number
  /** Largest accepted body, in bytes. */
  maxBytes: number
  /** The validator of the keys held, sent as `If-None-Match`. */
  etag?: string | undefined
  headers?: Record<string, string> | undefined
  /** Aborts the request when the cache closes. */
  signal?: AbortSignal | undefined
  /** Runs the timeout. */
  clock: Clock
}

/** A successful JWKS exchange. */
export type FetchJwksResult =
  | { status: 304; headers: Headers }
  | { status: number; headers: Headers; document: unknown; etag: string | undefined }

/** Why a JWKS request failed. Its message names no secret and is fit for logs. */
export class JwksFetchError extends Error {
  override readonly name = 'JwksFetchError'
}

/**
 * Fetches a JWKS document. Rejects with a {@link JwksFetchError} on a network error, a
 * timeout, any redirect, a status other than 2xx or 304, a body over `maxBytes` (counted
 * while streaming, whatever `Content-Length` claims) or a body that is not JSON.
 */
export async function fetchJwks(url: URL, options: FetchJwksOptions): Promise<FetchJwksResult> {
  const timeout = new AbortController()
  const timer = options.clock.startTimer(() => timeout.abort(), options.timeoutMs)
  const signal = options.signal === undefined ? timeout.signal : AbortSignal.any([timeout.signal, options.signal])
  const headers = new Headers(options.headers)
  headers.set('accept', 'application/jwk-set+json, application/json')
  if (options.etag !== undefined) headers.set('if-none-match', options.etag)
  try {
    const response = await options.fetch(url, { method: 'GET', headers, redirect: 'manual', signal })
    if (response.status === 304) {
      await discardBody(response)
      if (options.etag !== undefined) return { status: 304, headers: response.headers }
      throw new JwksFetchError('JWKS endpoint answered 304 to a request without If-None-Match')
    }
    if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
      await discardBody(response)
      throw new JwksFetchError(`JWKS endpoint redirected (HTTP ${response.status}); redirects are refused`)
    }
    if (response.status < 200 || response.status > 299) {
      await discardBody(response)
      throw new JwksFetchError(`JWKS endpoint answered HTTP ${response.status}`)
    }
    const text = await readBoundedText(response, options.maxBytes, {
      tooLarge: () => new JwksFetchError(`JWKS response is larger than ${options.maxBytes} bytes`),
      notUtf8: () => new JwksFetchError('JWKS response is not valid UTF-8'),
    })
    if (text === undefined) throw new JwksFetchError('JWKS response has no body')
    let document: unknown
    try {
      document = JSON.parse(text)
    } catch {
      throw new JwksFetchError('JWKS response is not valid JSON')
    }
    return { status: response.status, headers: response.headers, document, etag: response.headers.get('etag') ?? undefined }
  } catch (err) {
    if (err instanceof JwksFetchError) throw err
    if (timeout.signal.aborted) throw new JwksFetchError(`JWKS request timed out after ${options.timeoutMs} ms`, { cause: err })
    if (options.signal?.aborted) throw new JwksFetchError('JWKS request aborted: the cache was closed', { cause: err })
    throw new JwksFetchError(`JWKS request failed: ${describe(err)}`, { cause: err })
  } finally {
    timer.cancel()
  }
}

/** A network error's message, with the system code undici hides in its cause. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const cause: unknown = err.cause
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined
  return typeof code === 'string' ? `${err.message} (${code})` : err.message
}
