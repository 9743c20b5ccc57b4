/**
 * The two hot routes, `POST /issue_token` and `POST /renew_token`, as plain functions of
 * the parsed body and the request's headers: the Express router and the standalone
 * server's fast path (see `fast-token-routes.ts`) answer them through the same code.
 */
import type { TokenPairBody } from '@jwtis/client'
import type { Issuer, TokenPair } from '../core/types.js'
import { authenticateClient, type HeaderSource, requireSameClient } from './auth.js'
import {
  aliasedDuration,
  type Fields,
  optionalObject,
  optionalStrategy,
  optionalString,
  refuseUnknownFields,
  requiredString,
} from './fields.js'
import type { IssuerMetrics, TokenOperation } from './metrics.js'
import { toErrorResponse } from './status.js'

const AUTH_TTL_FIELDS = ['auth_ttl', 'auth_token_valid_time'] as const
// `resresh_token_valid_time` is the spelling clients of the original jwtis send.
const REFRESH_TTL_FIELDS = ['refresh_ttl', 'refresh_token_valid_time', 'resresh_token_valid_time'] as const
const ISSUE_FIELDS = ['kid', 'claims', 'client_token', ...AUTH_TTL_FIELDS, ...REFRESH_TTL_FIELDS] as const
const RENEW_FIELDS = ['kid', 'refresh_token', 'refresh_strategy', 'client_token'] as const

/** A token route: the issuer and the metrics it counts its outcomes in. */
export interface TokenRouteContext {
  issuer: Issuer
  metrics: IssuerMetrics
}

/** The answer body of an issue or a renew. */
export function tokenPairBody(pair: TokenPair): TokenPairBody {
  return {
    id: pair.id,
    access_token: pair.accessToken,
    // The original jwtis named it so; its clients still read it.
    auth_token: pair.accessToken,
    refresh_token: pair.refreshToken,
    expiry: pair.expiry,
  }
}

/** Counts the outcome of an issue or a renew for `/metrics`. */
async function counted(metrics: IssuerMetrics, operation: TokenOperation, work: () => Promise<TokenPair>): Promise<TokenPair> {
  try {
    const pair = await work()
    metrics.tokenServed(operation)
    return pair
  } catch (err) {
    metrics.tokenRefused(operation, toErrorResponse(err).body.error)
    throw err
  }
}

/** The kid a token request acts on: the authenticated caller's own, after the fields are checked. */
async function callerKid(issuer: Issuer, req: HeaderSource, fields: Fields, known: readonly string[]): Promise<string> {
  const caller = await authenticateClient(issuer, req, fields)
  refuseUnknownFields(fields, known)
  const kid = optionalString(fields, 'kid') ?? caller
  requireSameClient(caller, kid)
  return kid
}

/**
 * `POST /issue_token`: authenticates the caller, checks the fields, issues a pair.
 *
 * @example
 * ```ts
 * res.json(tokenPairBody(await issueFromRequest({ issuer, metrics }, req, req.body)))
 * ```
 */
export function issueFromRequest(context: TokenRouteContext, req: HeaderSource, fields: Fields): Promise<TokenPair> {
  const { issuer } = context
  return counted(context.metrics, 'issue', async () => {
    const kid = await callerKid(issuer, req, fields, ISSUE_FIELDS)
    return issuer.issue(kid, {
      claims: optionalObject(fields, 'claims') ?? {},
      authTTL: aliasedDuration(fields, AUTH_TTL_FIELDS),
      refreshTTL: aliasedDuration(fields, REFRESH_TTL_FIELDS),
    })
  })
}

/**
 * `POST /renew_token`: authenticates the caller, checks the fields, renews the pair.
 *
 * @example
 * ```ts
 * res.json(tokenPairBody(await renewFromRequest({ issuer, metrics }, req, req.body)))
 * ```
 */
export function renewFromRequest(context: TokenRouteContext, req: HeaderSource, fields: Fields): Promise<TokenPair> {
  const { issuer } = context
  return counted(context.metrics, 'renew', async () => {
    const kid = await callerKid(issuer, req, fields, RENEW_FIELDS)
    const refreshToken = requiredString(fields, 'refresh_token')
    const strategy = optionalStrategy(fields, 'refresh_strategy')
    return issuer.renew(kid, refreshToken, strategy === undefined ? {} : { strategy })
  })
}
