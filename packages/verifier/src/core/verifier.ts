import type { CryptoBackend, SignatureCheck } from '../backend/types.js'
import { VerifyError } from '../errors.js'
import type { KeyLookup, ResolvedKey } from '../key-source.js'
import type { VerifierOptions } from '../options.js'
import { type ParsedToken, createTokenParser } from '../parse/token.js'
import { isPromiseLike } from '../sources/settle.js'
import type { JwtPayload, Verifier, VerifierSourceStatus, VerifyResult } from '../types.js'
import { checkClaims } from './claims.js'
import { resolveVerifierConfig } from './config.js'
import { isEcdsa, isEcdsaSignatureInRange } from './ecdsa.js'
import type { Route } from './route.js'
import { createVerifiedTokenCache } from './token-cache.js'

function signatureInvalid(): VerifyError {
  return new VerifyError('ERR_SIGNATURE_INVALID', 'the signature does not verify')
}

function noop(): void {}

/**
 * Builds a verifier on a crypto backend. The work per token, in order: the verified-token
 * cache (when on), strict parsing, the alg allow-list, routing by `iss` (with `issuers`)
 * and that issuer's allow-list, `typ`, the key lookup, the ECDSA range check, the signature, the claims. Everything
 * stays synchronous until a key source or the backend needs to wait, so the Node.js path
 * settles in one promise.
 */
export function buildVerifier(options: VerifierOptions, backend: CryptoBackend): Verifier {
  const config = resolveVerifierConfig(options, backend)
  const { routes, single, byIssuer, algorithms, maxTokenLength, onEvent } = config
  const { decodeBytes } = backend
  const parseToken = createTokenParser({ maxLength: maxTokenLength, decodeText: backend.decodeText })
  const tokenCache = config.tokenCacheMax === undefined ? undefined : createVerifiedTokenCache(config.tokenCacheMax)
  const unsubscribes =
    tokenCache === undefined
      ? []
      : routes.map((route) => route.source.onKeysRemoved?.((kids) => tokenCache.dropKids(route.source, kids)) ?? noop)

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
  const rethrow = (err: unknown): never => {
    throw fail(err)
  }

  const routeOf = (payload: JwtPayload): Route => {
    const iss = payload.iss
    const route = typeof iss === 'string' ? byIssuer.get(iss) : undefined
    if (route === undefined) throw new VerifyError('ERR_ISSUER_UNKNOWN', 'the token\'s issuer is not one this verifier serves')
    return route
  }

  const accept = (token: string, parsed: ParsedToken, route: Route, resolved: ResolvedKey): VerifyResult => {
    const now = Date.now()
    const payload = parsed.payload
    checkClaims(payload, route.claims, now)
    const result: VerifyResult = { payload, protectedHeader: parsed.header }
    if (tokenCache !== undefined) {
      let until = (payload.exp as number) * 1000
      const maxAgeSec = route.claims.maxAgeSec
      if (maxAgeSec !== undefined) until = Math.min(until, ((payload.iat as number) + maxAgeSec) * 1000)
      tokenCache.add(token, result, route.source, resolved.kid, until, now)
    }
    return result
  }

  const complete = (
    token: string,
    parsed: ParsedToken,
    route: Route,
    resolved: ResolvedKey,
  ): VerifyResult | Promise<VerifyResult> => {
    const alg = parsed.header.alg
    const check = resolved.key as SignatureCheck
    if (resolved.alg !== alg || typeof check !== 'function') {
      throw new VerifyError('ERR_ALG_NOT_ALLOWED', `the key source returned no key for ${alg}`)
    }
    const signature = decodeBytes(parsed.signature)
    if (isEcdsa(alg) && !isEcdsaSignatureInRange(alg, signature)) throw signatureInvalid()
    let verified: boolean | Promise<boolean>
    try {
      verified = check(parsed.signingInput, signature)
    } catch {
      verified = false
    }
    if (verified === true) return accept(token, parsed, route, resolved)
    if (verified === false) throw signatureInvalid()
    return verified.then(
      (valid) => {
        if (!valid) throw signatureInvalid()
        return accept(token, parsed, route, resolved)
      },
      () => {
        throw signatureInvalid()
      },
    )
  }

  const verify = (token: string): Promise<VerifyResult> => {
    if (tokenCache !== undefined && typeof token === 'string') {
      const hit = tokenCache.get(token, Date.now())
      if (hit !== undefined) return Promise.resolve(hit)
    }
    try {
      const parsed = parseToken(token)
      const header = parsed.header
      // With one issuer its allow-list is the union; with several, refuse before routing.
      if (!algorithms.has(header.alg)) throw new VerifyError('ERR_ALG_NOT_ALLOWED', 'the token\'s alg is not allowed')
      const route = single ?? routeOf(parsed.payload)
      if (single === undefined && !route.algorithms.has(header.alg)) {
        throw new VerifyError('ERR_ALG_NOT_ALLOWED', 'the token\'s alg is not allowed for its issuer')
      }
      if (route.typ !== undefined && !route.typ(header['typ'])) {
        throw new VerifyError('ERR_TYP_MISMATCH', 'the token\'s typ is not the expected one')
      }
      // The header has been checked to carry a string alg and an optional string kid.
      const found = route.source.getKey(header as KeyLookup)
      if (isPromiseLike(found)) return found.then((resolved) => complete(token, parsed, route, resolved)).catch(rethrow)
      const result = complete(token, parsed, route, found)
      return isPromiseLike(result) ? result.catch(rethrow) : Promise.resolve(result)
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
