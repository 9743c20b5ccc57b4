import type { CryptoBackend } from '../backend/types.js'
import { VerifyError } from '../errors.js'
import type { ResolvedKey } from '../key-source.js'
import type { VerifierOptions } from '../options.js'
import { parseClaimsSet } from '../parse/token.js'
import { isPromiseLike } from '../sources/settle.js'
import type { JwtHeader, JwtPayload, Verifier, VerifierSourceStatus, VerifyResult } from '../types.js'
import { checkClaims } from './claims.js'
import { resolveVerifierConfig } from './config.js'
import { createJwsVerifier } from './jws.js'
import type { Route } from './route.js'
import { createVerifiedTokenCache } from './token-cache.js'

function noop(): void {}

/**
 * Builds a verifier on a crypto backend. The work per token, in order: the verified-token
 * cache (when on); the signature level's parse (form, header, alg allow-list); the
 * payload; routing by `iss` (with `issuers`) and that issuer's allow-list; `typ`; the
 * signature level's key lookup, ECDSA range check and signature; the claims. Everything
 * stays synchronous until a key source or the backend needs to wait, so the Node.js path
 * settles in one promise.
 */
export function buildVerifier(options: VerifierOptions, backend: CryptoBackend): Verifier {
  const config = resolveVerifierConfig(options, backend)
  const { routes, single, byIssuer, onEvent, now } = config
  const { decodeText } = backend
  const jws = createJwsVerifier({ maxTokenLength: config.maxTokenLength, algorithms: config.algorithms, backend })
  const tokenCache = config.tokenCacheMax === undefined ? undefined : createVerifiedTokenCache(config.tokenCacheMax)
  const unsubscribes =
    tokenCache === undefined
      ? []
      : routes.map((route) => route.source.onKeysRemoved?.((kids, keys) => tokenCache.dropKeys(route.source, kids, keys)) ?? noop)

  const fail = (err: unknown): VerifyError => {
    const error =
      err instanceof VerifyError
        ? err
        : new VerifyError('ERR_KEYS_UNAVAILABLE', 'keys unavailable: the key source failed', { cause: err })
    if (onEvent !== undefined) {
      try {
        onEvent({ type: 'verify_failed', code: error.code })
      } catch {
        // An event handler must not change the outcome.
      }
    }
    return error
  }

  const routeOf = (payload: JwtPayload): Route => {
    const iss = payload.iss
    const route = typeof iss === 'string' ? byIssuer.get(iss) : undefined
    if (route === undefined) throw new VerifyError('ERR_ISSUER_UNKNOWN', "the token's issuer is not one this verifier serves")
    return route
  }

  const accept = (
    token: string,
    header: JwtHeader,
    payload: JwtPayload,
    route: Route,
    resolved: ResolvedKey,
  ): VerifyResult => {
    const nowMs = now()
    checkClaims(payload, route.claims, nowMs)
    const result: VerifyResult = { payload, protectedHeader: header }
    if (tokenCache !== undefined) {
      let until = (payload.exp as number) * 1000
      const maxAgeSec = route.claims.maxAgeSec
      if (maxAgeSec !== undefined) until = Math.min(until, ((payload.iat as number) + maxAgeSec) * 1000)
      tokenCache.add(token, result, route.source, resolved, until, nowMs)
    }
    return result
  }

  const verify = (token: string): Promise<VerifyResult> => {
    if (tokenCache !== undefined && typeof token === 'string') {
      const hit = tokenCache.get(token, now())
      if (hit !== undefined) return Promise.resolve(hit)
    }
    try {
      const parsed = jws.parse(token)
      const header = parsed.header
      const payload = parseClaimsSet(parsed.payload, decodeText)
      // With one issuer the allow-list has been applied; with several, the union was.
      const route = single ?? routeOf(payload)
      if (single === undefined && !route.algorithms.has(header.alg)) {
        throw new VerifyError('ERR_ALG_NOT_ALLOWED', "the token's alg is not allowed for its issuer")
      }
      if (route.typ !== undefined && !route.typ(header['typ'])) {
        throw new VerifyError('ERR_TYP_MISMATCH', "the token's typ is not the expected one")
      }
      const verified = jws.checkSignature(parsed, route.source)
      if (!isPromiseLike(verified)) return Promise.resolve(accept(token, header, payload, route, verified))
      return verified.then(
        (resolved) => {
          try {
            return accept(token, header, payload, route, resolved)
          } catch (err) {
            throw fail(err)
          }
        },
        (err: unknown) => {
          throw fail(err)
        },
      )
    } catch (err) {
      return Promise.reject(fail(err))
    }
  }

  return {
    verify: verify as Verifier['verify'],
    status() {
      const sources: VerifierSourceStatus[] = routes.map((route) => ({
        ...route.source.status(),
        issuer: route.issuer,
        source: route.sourceName,
      }))
      return { loaded: sources.every((s) => s.loaded), fresh: sources.every((s) => s.fresh), sources }
    },
    close() {
      for (const unsubscribe of unsubscribes) unsubscribe()
      for (const route of routes) route.close()
      tokenCache?.clear()
    },
  }
}
