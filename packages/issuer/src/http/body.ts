import express, { type RequestHandler } from 'express'
import { IssuerError } from '../errors.js'

/** The largest request body the API reads: 64 KiB. */
export const MAX_BODY_BYTES: number = 64 * 1024

// Every body is read as JSON whatever its Content-Type: the API speaks JSON only, and older
// clients do not always label it.
const parse = express.json({ limit: MAX_BODY_BYTES, type: () => true, strict: true })

function translate(err: unknown): IssuerError {
  const type = (err as { type?: unknown } | null)?.type
  switch (type) {
    case 'entity.too.large':
      return new IssuerError('request_too_large', `the request body is over ${MAX_BODY_BYTES} bytes`)
    case 'entity.parse.failed':
      return new IssuerError('invalid_request', 'the request body is not valid JSON')
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new IssuerError('invalid_request', 'the request body must be UTF-8 JSON')
    case 'request.aborted':
    case 'request.size.invalid':
      return new IssuerError('invalid_request', 'the request body is incomplete')
    default:
      return new IssuerError('server_error', 'the request body could not be read', { cause: err })
  }
}

/**
 * Reads the request body as a JSON object into `req.body` (`{}` when there is none). Bodies
 * over {@link MAX_BODY_BYTES} are a 413, malformed JSON and non-object JSON a 400. Used per
 * route, so a router mounted at an app's root never consumes the app's own request bodies.
 */
export const jsonObjectBody: RequestHandler = (req, res, next) => {
  parse(req, res, (err?: unknown) => {
    if (err !== undefined && err !== null) {
      next(translate(err))
      return
    }
    const body: unknown = req.body
    if (body === undefined) {
      req.body = {}
    } else if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      next(new IssuerError('invalid_request', 'the request body must be a JSON object'))
      return
    }
    next()
  })
}
