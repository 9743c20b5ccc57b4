import { parseDuration } from '../duration.js'
import type { VerifierEventHandler } from '../events.js'
import { checkFetchUrl } from '../fetch-url.js'
import type { KeyImporter } from '../key-source.js'
import { importJwkWithJose } from './import-keys.js'
import { checkAllowList } from './select-keys.js'
import type { CreateJwksCacheOptions, JwksCacheOptions } from './types.js'

/**
 * The home of the JWKS cache's defaults and bounds. Every path to a cache goes through
 * {@link resolveCacheTuning}: `createJwksCache`, and `createVerifier` with `jwksUri` or
 * `discovery` (whose cache is built later, on first use, so its options are resolved at
 * construction too, and the discovery request takes its timeout, size limit and retry
 * pause from them).
 */

/** The members of {@link JwksCacheOptions}: anything else under `cache` is a typo. */
export const CACHE_TUNING_OPTIONS: ReadonlySet<string> = new Set([
  'maxAge',
  'cooldown',
  'staleIfError',
  'timeout',
  'maxKeys',
  'negativeTtl',
  'maxResponseBytes',
])

/** {@link JwksCacheOptions} checked, with defaults applied and durations in milliseconds. */
export interface CacheTuning {
  maxAgeMs: number
  cooldownMs: number
  staleIfErrorMs: number
  timeoutMs: number
  negativeTtlMs: number
  maxKeys: number
  maxResponseBytes: number
}

/** {@link CreateJwksCacheOptions} checked, with defaults applied and durations in milliseconds. */
export interface ResolvedCacheOptions extends CacheTuning {
  url: URL
  algorithms: readonly string[]
  allowed: ReadonlySet<string>
  importKey: KeyImporter
  onEvent: VerifierEventHandler | undefined
  fetch: typeof fetch
  headers: Record<string, string> | undefined
}

const DEFAULT_MAX_AGE = '10m'
const DEFAULT_COOLDOWN = '30s'
const DEFAULT_STALE_IF_ERROR = '24h'
const DEFAULT_TIMEOUT = '5s'
/**
 * Room for every client key a busy issuer publishes at once (current, next and retiring
 * keys of hundreds of clients); a document over it is refused whole.
 */
const DEFAULT_MAX_KEYS = 1000
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024

/**
 * Checks the tuning options once, at construction. `label` names them in messages, e.g.
 * `cache` or `issuers[1].cache`.
 *
 * @throws TypeError naming the option at fault.
 */
export function resolveCacheTuning(options: JwksCacheOptions, label = 'cache'): CacheTuning {
  const cooldownMs = parseDuration(options.cooldown ?? DEFAULT_COOLDOWN, `${label}.cooldown`)
  return {
    maxAgeMs: positive(parseDuration(options.maxAge ?? DEFAULT_MAX_AGE, `${label}.maxAge`), `${label}.maxAge`),
    cooldownMs,
    staleIfErrorMs: parseDuration(options.staleIfError ?? DEFAULT_STALE_IF_ERROR, `${label}.staleIfError`),
    timeoutMs: positive(parseDuration(options.timeout ?? DEFAULT_TIMEOUT, `${label}.timeout`), `${label}.timeout`),
    negativeTtlMs: parseDuration(options.negativeTtl ?? cooldownMs, `${label}.negativeTtl`),
    maxKeys: positiveInteger(options.maxKeys ?? DEFAULT_MAX_KEYS, `${label}.maxKeys`),
    maxResponseBytes: positiveInteger(options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, `${label}.maxResponseBytes`),
  }
}

/**
 * Checks the options of `createJwksCache` once, at construction.
 *
 * @throws TypeError naming the option at fault.
 */
export function resolveCacheOptions(options: CreateJwksCacheOptions): ResolvedCacheOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('JWKS cache options must be an object')
  const url = checkFetchUrl(options.url, 'url', options.allowHttp === true)
  const allowed = checkAllowList(options.algorithms)
  return {
    url,
    algorithms: [...allowed],
    allowed,
    importKey: optionalFunction(options.importKey, 'importKey') ?? importJwkWithJose,
    onEvent: optionalFunction(options.onEvent, 'onEvent'),
    fetch: optionalFunction(options.fetch, 'fetch') ?? globalFetch(),
    headers: checkHeaders(options.headers),
    ...resolveCacheTuning(options),
  }
}

function globalFetch(): typeof fetch {
  if (typeof globalThis.fetch !== 'function') throw new TypeError('no global fetch: pass the fetch option')
  return globalThis.fetch.bind(globalThis)
}

function checkHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  if (headers === undefined) return undefined
  try {
    new Headers(headers)
  } catch {
    throw new TypeError('headers must be an object of valid HTTP header names and values')
  }
  return { ...headers }
}

function positive(ms: number, what: string): number {
  if (ms > 0) return ms
  throw new TypeError(`${what} must be longer than zero`)
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value
  throw new TypeError(`${what} must be a positive integer`)
}

function optionalFunction<F>(value: F | undefined, what: string): F | undefined {
  if (value === undefined || typeof value === 'function') return value
  throw new TypeError(`${what} must be a function`)
}
