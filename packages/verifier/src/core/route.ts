import type { CryptoBackend } from '../backend/types.js'
import type { VerifierEventHandler } from '../events.js'
import { checkFetchUrl } from '../fetch-url.js'
import { type CacheTuning, CACHE_TUNING_OPTIONS, resolveCacheTuning } from '../jwks/cache-options.js'
import { createJwksCache, createStaticKeySet } from '../jwks/index.js'
import type { JsonWebKeySetLike } from '../jwk-types.js'
import type { JwksCacheOptions } from '../jwks/types.js'
import type { KeySource } from '../key-source.js'
import type { KeyInput } from '../options.js'
import { createDiscoveryKeySource } from '../sources/discovery.js'
import { createLocalKeySource } from '../sources/local-keys.js'
import { createSecretKeySource } from '../sources/secret.js'
import { resolveAlgorithms } from './algorithms-option.js'
import type { ClaimsPolicy } from './claims.js'
import { assertKnownOptions, durationSeconds, isPlainObject, optionalBoolean, stringList } from './option-checks.js'
import { createTypCheck } from './typ.js'

/** Everything the hot path needs to verify one issuer's tokens, precomputed. */
export interface Route {
  /** The issuer named in status and events. */
  issuer: string
  /** Accepted `iss` values, for routing. */
  issuers: readonly string[]
  /** Where the keys come from, for status. */
  sourceName: string
  source: KeySource
  /** Stops the source's timers, if it has any. */
  close(): void
  algorithms: ReadonlySet<string>
  /** The `typ` check, when a `typ` is expected. */
  typ: ((typ: unknown) => boolean) | undefined
  claims: ClaimsPolicy
}

/** What a route is built with besides its own options. */
export interface RouteContext {
  backend: CryptoBackend
  onEvent: VerifierEventHandler | undefined
}

/** The options that choose a key source; exactly one per issuer. */
export const KEY_SOURCE_OPTIONS: readonly string[] = ['jwksUri', 'discovery', 'jwks', 'keys', 'secret']

const DEFAULT_CLOCK_TOLERANCE_SEC = 5

/**
 * Checks one issuer's options (`label` prefixes option names in messages, e.g.
 * `issuers[1].`) and builds its key source and checks.
 *
 * @throws TypeError naming the option at fault.
 */
export function buildRoute(spec: Record<string, unknown>, label: string, context: RouteContext): Route {
  const issuers = stringList(spec['issuer'], `${label}issuer`)
  const audiences = stringList(spec['audience'], `${label}audience`)
  const chosen = KEY_SOURCE_OPTIONS.filter((name) => spec[name] !== undefined)
  if (chosen.length !== 1) {
    throw new TypeError(
      chosen.length === 0
        ? `${label || 'options'}: give a key source (${KEY_SOURCE_OPTIONS.join(', ')})`
        : `${label || 'options'}: give only one key source, not ${chosen.join(' and ')}`,
    )
  }
  const secret = spec['secret'] === undefined ? undefined : secretBytes(spec['secret'], `${label}secret`)
  const algorithms = resolveAlgorithms(spec['algorithms'], secret, label)
  const toleranceSec = durationSeconds(spec['clockTolerance'], DEFAULT_CLOCK_TOLERANCE_SEC, `${label}clockTolerance`)!
  const maxAgeSec = durationSeconds(spec['maxTokenAge'], undefined, `${label}maxTokenAge`)
  const requiredClaims = spec['requiredClaims'] === undefined ? [] : claimNames(spec['requiredClaims'], `${label}requiredClaims`)
  const typ = spec['typ']
  if (typ !== undefined && (typeof typ !== 'string' || typ.length === 0)) throw new TypeError(`${label}typ must be a non-empty string`)
  const allowHttp = optionalBoolean(spec['allowHttp'], `${label}allowHttp`) ?? false
  const cache = cacheOptions(spec['cache'], `${label}cache`)

  const required = ['exp', 'iss', 'aud', ...requiredClaims]
  if (maxAgeSec !== undefined) required.push('iat')
  const { source, sourceName, close } = buildSource(chosen[0]!, spec, {
    ...context,
    label,
    algorithms,
    secret,
    issuers,
    allowHttp,
    cache,
  })
  return {
    issuer: issuers[0]!,
    issuers,
    sourceName,
    source,
    close,
    algorithms: new Set(algorithms),
    typ: typ === undefined ? undefined : createTypCheck(typ),
    claims: { issuers, audiences, toleranceSec, maxAgeSec, required: [...new Set(required)] },
  }
}

interface SourceContext extends RouteContext {
  label: string
  algorithms: string[]
  secret: Uint8Array | undefined
  issuers: string[]
  allowHttp: boolean
  cache: CacheOptions
}

/** The `cache` option as given, and as resolved by the cache's own rules. */
interface CacheOptions {
  given: JwksCacheOptions
  tuning: CacheTuning
}

interface BuiltSource {
  source: KeySource
  sourceName: string
  close(): void
}

function noop(): void {}

function buildSource(kind: string, spec: Record<string, unknown>, context: SourceContext): BuiltSource {
  const { label, algorithms, backend } = context
  switch (kind) {
    case 'jwksUri': {
      const url = checkFetchUrl(spec['jwksUri'], `${label}jwksUri`, context.allowHttp)
      const cache = createJwksCache({
        ...context.cache.given,
        url,
        algorithms,
        importKey: backend.importJwk,
        allowHttp: context.allowHttp,
        onEvent: context.onEvent,
      })
      return { source: cache, sourceName: url.href, close: () => cache.close() }
    }
    case 'discovery':
      return discoverySource(spec['discovery'], context)
    case 'jwks': {
      const jwks = spec['jwks']
      if (!isPlainObject(jwks) || !Array.isArray(jwks['keys'])) throw new TypeError(`${label}jwks must be a JWK Set ({ keys: [...] })`)
      const source = createStaticKeySet(jwks as unknown as JsonWebKeySetLike, { algorithms, importKey: backend.importJwk })
      return { source, sourceName: 'jwks', close: noop }
    }
    case 'keys': {
      const keys = spec['keys']
      const list = (Array.isArray(keys) ? keys : [keys]) as KeyInput[]
      return { source: createLocalKeySource(list, { algorithms, backend, label: `${label}keys` }), sourceName: 'keys', close: noop }
    }
    default:
      return { source: createSecretKeySource(context.secret!, { algorithms, backend }), sourceName: 'secret', close: noop }
  }
}

function discoverySource(value: unknown, context: SourceContext): BuiltSource {
  const { label } = context
  let url: URL
  if (value === true) {
    if (context.issuers.length !== 1) {
      throw new TypeError(`${label}discovery: true needs exactly one issuer; give the discovery document's URL instead`)
    }
    const base = context.issuers[0]!.replace(/\/+$/, '')
    url = checkFetchUrl(`${base}/.well-known/openid-configuration`, `${label}discovery (from the issuer)`, context.allowHttp)
  } else if (typeof value === 'string' || value instanceof URL) {
    url = checkFetchUrl(value, `${label}discovery`, context.allowHttp)
  } else {
    throw new TypeError(`${label}discovery must be true or the discovery document's URL`)
  }
  const { given, tuning } = context.cache
  const source = createDiscoveryKeySource({
    url,
    issuers: context.issuers,
    timeoutMs: tuning.timeoutMs,
    maxBytes: tuning.maxResponseBytes,
    retryAfterMs: tuning.cooldownMs,
    onEvent: context.onEvent,
    createCache: (jwksUri) =>
      createJwksCache({
        ...given,
        url: checkFetchUrl(jwksUri, 'the discovered jwks_uri', context.allowHttp),
        algorithms: context.algorithms,
        importKey: context.backend.importJwk,
        allowHttp: context.allowHttp,
        onEvent: context.onEvent,
      }),
  })
  return { source, sourceName: url.href, close: () => source.close() }
}

function secretBytes(value: unknown, what: string): Uint8Array {
  if (typeof value === 'string') return new TextEncoder().encode(value)
  if (value instanceof Uint8Array) return value.slice()
  throw new TypeError(`${what} must be a string or a Uint8Array`)
}

function claimNames(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.some((name) => typeof name !== 'string' || name.length === 0)) {
    throw new TypeError(`${what} must be an array of claim names`)
  }
  return value as string[]
}

/**
 * The cache options, resolved now by the cache's own rules, for every key source: bad ones
 * are a TypeError at construction even when the cache is built later (discovery), or never
 * (a key source without a cache).
 */
function cacheOptions(value: unknown, what: string): CacheOptions {
  if (value !== undefined && !isPlainObject(value)) throw new TypeError(`${what} must be an object`)
  const given = (value ?? {}) as JwksCacheOptions
  assertKnownOptions(given, CACHE_TUNING_OPTIONS, `${what}.`)
  return { given, tuning: resolveCacheTuning(given, what) }
}
