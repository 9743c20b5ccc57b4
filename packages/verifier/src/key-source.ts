import type { JsonWebKeyLike } from './jwk-types.js'

/** The protected header fields a key source may look at. Never `jku`, `x5u`, `jwk` or `x5c`. */
export interface KeyLookup {
  alg: string
  kid?: string | undefined
}

/**
 * A key imported for one algorithm, ready for the crypto backend. `key` is opaque to the
 * key source: a `CryptoKey` on the neutral path, a `KeyObject` on the Node fast path, or
 * raw secret bytes for HMAC.
 */
export interface ResolvedKey {
  alg: string
  kid: string | undefined
  key: unknown
}

/**
 * Turns a public JWK into a key usable for `alg`. Supplied by the verifier (its crypto
 * backend) so that key sources never depend on a runtime. Rejects when the JWK does not
 * fit the alg.
 */
export type KeyImporter = (jwk: JsonWebKeyLike, alg: string) => Promise<unknown>

/** Health of a key source, for readiness probes. */
export interface KeySourceStatus {
  /** At least one usable key is loaded. */
  loaded: boolean
  /** The keys are within their freshness lifetime (not served stale). */
  fresh: boolean
  /** Number of usable keys. */
  keys: number
  /** When the keys were last fetched successfully (ms since the epoch), if ever. */
  fetchedAt?: number | undefined
  /** The last fetch error's message, while the source is failing. */
  lastError?: string | undefined
}

/** Hears of keys leaving a source: their kids, and the keys themselves when the source gives them. */
export type KeysRemovedListener = (kids: readonly string[], keys?: readonly ResolvedKey[]) => void

/**
 * What the verifier asks of every key source (remote JWKS, static JWKS, local keys,
 * secret). `getKey` answers synchronously when it can (the hot path) and throws or
 * rejects with a `VerifyError` (`ERR_KID_UNKNOWN`, `ERR_ALG_NOT_ALLOWED`,
 * `ERR_KEYS_UNAVAILABLE`).
 */
export interface KeySource {
  getKey(lookup: KeyLookup): ResolvedKey | Promise<ResolvedKey>
  status(): KeySourceStatus
  /**
   * Subscribe to keys leaving the source (a refetch no longer lists them), so that caches
   * of verified tokens drop what those keys vouched for. The listener gets the kids that
   * left and, when the source gives them, the keys themselves (as `getKey` resolved them),
   * which also covers keys without a kid. Returns the unsubscribe function.
   */
  onKeysRemoved?(listener: KeysRemovedListener): () => void
}
