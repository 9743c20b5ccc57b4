import type { Duration } from '../duration.js'
import type { VerifierEventHandler } from '../events.js'
import type { KeyImporter, KeySource } from '../key-source.js'

/** Tuning of a remote JWKS cache. Every duration is milliseconds or a string like `'30s'`. */
export interface JwksCacheOptions {
  /** How long fetched keys are fresh when the response has no usable `Cache-Control` max-age. Default `'10m'`. */
  maxAge?: Duration
  /** The refetch window: at most one refetch for unknown kids per cooldown. Default `'30s'`. */
  cooldown?: Duration
  /** How long cached keys keep working past their max age while the endpoint fails. Default `'24h'`. */
  staleIfError?: Duration
  /** Timeout of one JWKS request. Default `'5s'`. */
  timeout?: Duration
  /** Most keys held, and most keys accepted in one response; a larger document is refused whole. Default `1000`. */
  maxKeys?: number
  /**
   * How long a kid that a refetch proved unknown is remembered as unknown: it then fails at
   * once and never triggers a refetch. Default: the cooldown.
   */
  negativeTtl?: Duration
  /** Largest accepted response body, in bytes. Default 1 MiB. */
  maxResponseBytes?: number
}

/** Options of {@link createJwksCache}. */
export interface CreateJwksCacheOptions extends JwksCacheOptions {
  /** The JWKS URL. Must be https, except on a loopback host or with `allowHttp`. */
  url: string | URL
  /** Algorithms keys may be used with (the verifier's allow-list). */
  algorithms: readonly string[]
  /** Turns a JWK into a key for the crypto backend. Default: jose `importJWK` (WebCrypto). */
  importKey?: KeyImporter
  /** Allow a plain-http URL on a non-loopback host. Default `false`. */
  allowHttp?: boolean
  /** Receives fetch, miss, throttle, stale and key-change events. */
  onEvent?: VerifierEventHandler
  /** The fetch to use. Default: the global `fetch`. */
  fetch?: typeof fetch
  /** Extra request headers (e.g. a user agent). */
  headers?: Record<string, string>
}

/** A remote JWKS cache: a {@link KeySource} with a manual refresh and a shutdown. */
export interface JwksCache extends KeySource {
  /**
   * Fetch now, whatever the refetch window and backoff (still one request in flight at a
   * time), resolving when done. Rejects with `ERR_KEYS_UNAVAILABLE` when the fetch fails;
   * held keys stay.
   */
  refresh(): Promise<void>
  /** Stop background refreshes and timers, and abort a request in flight. Held keys still answer. */
  close(): void
}

/** Options of {@link createStaticKeySet}. */
export interface CreateStaticKeySetOptions {
  /** Algorithms keys may be used with (the verifier's allow-list). */
  algorithms: readonly string[]
  /** Turns a JWK into a key for the crypto backend. Default: jose `importJWK` (WebCrypto). */
  importKey?: KeyImporter
}

/** A key set given in code: a {@link KeySource} whose keys are ready once {@link StaticKeySet.ready} resolves. */
export interface StaticKeySet extends KeySource {
  /** Resolves once every usable key is imported; lookups before that wait for it. */
  readonly ready: Promise<void>
}
