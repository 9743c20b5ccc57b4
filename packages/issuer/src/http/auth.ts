import type { Request } from 'express'
import { B64TOKEN } from '../core/initialise.js'
import type { Issuer } from '../core/types.js'
import { IssuerError } from '../errors.js'
import type { Fields } from './fields.js'

/** Where a request's headers are read: an Express request, or the fast path's own view. */
export interface HeaderSource {
  get(name: string): string | undefined
}

// RFC 6750 section 2.1: `Bearer` then one b64token.
const BEARER = new RegExp(`^Bearer +(${B64TOKEN}) *$`, 'i')

/** The token of an `Authorization: Bearer` header, or undefined when there is none usable. */
function bearerToken(req: HeaderSource): string | undefined {
  const header = req.get('authorization')
  if (header === undefined) return undefined
  return BEARER.exec(header)?.[1]
}

/** Throws `invalid_client` unless the request carries the admin token. */
export function requireAdmin(issuer: Issuer, req: Request): void {
  const token = bearerToken(req)
  if (token === undefined) throw new IssuerError('invalid_client', 'an admin bearer token is required')
  if (!issuer.isAdmin(token)) throw new IssuerError('invalid_client', 'the admin token is not valid')
}

/** True when the request carries the admin token; never throws. */
export function isAdminRequest(issuer: Issuer, req: Request): boolean {
  const token = bearerToken(req)
  return token !== undefined && issuer.isAdmin(token)
}

/**
 * The kid of the client whose token the request carries: `Authorization: Bearer`, or, for
 * clients of the original jwtis, `client_token` in the JSON body. Throws `invalid_client`.
 */
export async function authenticateClient(issuer: Issuer, req: HeaderSource, fields: Fields = {}): Promise<string> {
  const fromHeader = bearerToken(req)
  const fromBody = fields['client_token']
  if (fromBody !== undefined && typeof fromBody !== 'string') {
    throw new IssuerError('invalid_request', 'client_token must be a string')
  }
  if (fromHeader !== undefined && fromBody !== undefined) {
    throw new IssuerError('invalid_request', 'give the client token once: in the Authorization header or the body')
  }
  const token = fromHeader ?? fromBody
  if (token === undefined || token === '') {
    throw new IssuerError('invalid_client', 'a client bearer token is required')
  }
  const kid = await issuer.authenticateClient(token)
  if (kid === undefined) throw new IssuerError('invalid_client', 'the client token is not valid')
  return kid
}

/** Throws `access_denied` when an authenticated client acts on another client's kid. */
export function requireSameClient(callerKid: string, targetKid: string): void {
  if (callerKid !== targetKid) {
    throw new IssuerError('access_denied', 'a client may act only on its own kid')
  }
}
