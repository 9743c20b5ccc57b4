import type { VerifierEventHandler } from './events.js'
import type { Duration } from './duration.js'
import type { JsonWebKeyLike, JsonWebKeySetLike } from './jwk-types.js'
import type { JwksCacheOptions } from './jwks/types.js'

/**
 * A Node.js `KeyObject`, described by what the verifier uses of it, so that these types
 * need no Node.js typings.
 */
export interface KeyObjectLike {
  /** `'public'` for a key the verifier accepts. */
  type: string
  /** Exports the key as a JWK. */
  export(options: { format: 'jwk' }): object
}

/**
 * A public key given directly: a public JWK, a PEM string (`BEGIN PUBLIC KEY`, or
 * `BEGIN CERTIFICATE`; on the Node.js entry also `BEGIN RSA PUBLIC KEY`), a Node.js
 * `KeyObject` or a WebCrypto `CryptoKey`. Private keys and secrets are refused.
 */
export type KeyInput = JsonWebKeyLike | string | KeyObjectLike | CryptoKey

/** Options of the verified-token cache. */
export interface TokenCacheOptions {
  /** Most tokens remembered. Default `1000`. */
  max?: number
}

/**
 * Where one issuer's keys come from and how its tokens are checked. Give exactly one of
 * `jwksUri`, `discovery`, `jwks`, `keys` or `secret`.
 */
export interface KeySourceOptions {
  /** The JWKS URL. Must be https, except on a loopback host or with `allowHttp`. */
  jwksUri?: string | URL
  /**
   * Find the JWKS through OpenID discovery: `true` reads
   * `{issuer}/.well-known/openid-configuration`, or give the document's URL. The document
   * is fetched once, on first use, and its `issuer` must equal the configured issuer.
   */
  discovery?: true | string | URL
  /** A JWK Set held in memory. */
  jwks?: JsonWebKeySetLike
  /** One public key or several; see {@link KeyInput}. */
  keys?: KeyInput | readonly KeyInput[]
  /**
   * A shared secret for HS256/HS384/HS512: a string (its UTF-8 bytes) or bytes, at least
   * as long as the hash of every HS algorithm allowed (32, 48, 64 bytes).
   */
  secret?: string | Uint8Array
}

/** Claim and header checks; at the top level, or per issuer in `issuers`. */
export interface CheckOptions {
  /** The expected `aud`: the token's audience (string or array) must include one of these. */
  audience?: string | readonly string[]
  /**
   * Algorithm allow-list. `none` is never allowed; HS256/HS384/HS512 only with a `secret`.
   * Default: every asymmetric algorithm (ES256, ES384, ES512, EdDSA, Ed25519, RS256,
   * RS384, RS512, PS256, PS384, PS512), or with a secret the HS algorithms it is long
   * enough for.
   */
  algorithms?: readonly string[]
  /** Allowed clock skew for `exp`, `nbf` and `iat`: milliseconds or a string like `'5s'`. Default 5 s. */
  clockTolerance?: Duration
  /** Refuse tokens whose `iat` is older than this (milliseconds or `'1h'`); makes `iat` required. Default: no limit. */
  maxTokenAge?: Duration
  /** Claims that must be present. `exp` is always required. Default `[]`. */
  requiredClaims?: readonly string[]
  /**
   * The expected `typ` header, e.g. `'at+jwt'`. `application/at+jwt` is the same type;
   * media types compare case-insensitively. Default: `typ` is not checked.
   */
  typ?: string
  /** Tuning of the remote JWKS cache (`jwksUri`, `discovery`). */
  cache?: JwksCacheOptions
  /** Allow a plain-http `jwksUri` or discovery URL on a non-loopback host. Default `false`. */
  allowHttp?: boolean
}

/** One issuer of a multi-issuer verifier; unset checks fall back to the top-level options. */
export interface IssuerOptions extends KeySourceOptions, CheckOptions {
  /** The `iss` that routes a token to this entry; its tokens are verified with these keys only. */
  issuer: string | readonly string[]
}

/** Options of {@link createVerifier}. Bad options throw a `TypeError` at construction. */
export interface VerifierOptions extends KeySourceOptions, CheckOptions {
  /** The expected `iss`: one or several. Required, except with `issuers`. */
  issuer?: string | readonly string[]
  /**
   * Several issuers: a token is routed by its (unverified) `iss` to one entry, then
   * verified with that entry's keys and checks only. Excludes the top-level `issuer` and
   * key source.
   */
  issuers?: readonly IssuerOptions[]
  /** Longest token accepted, in characters. Default `16384` (16 KiB). */
  maxTokenLength?: number
  /**
   * Remember verified tokens until they expire, so a repeated token skips parsing and
   * crypto: `true` or `{ max }`. Cached results are frozen (shared between calls). A
   * token leaves the cache when its key leaves the key source. Default: off.
   */
  tokenCache?: boolean | TokenCacheOptions
  /** Receives `verify_failed` and the key caches' events. Must not throw. */
  onEvent?: VerifierEventHandler
  /**
   * The clock, in milliseconds since the epoch, read for `exp`, `nbf`, `iat`,
   * `maxTokenAge` and the expiry of verified-token cache entries: for tests, or to share
   * one clock with other code. The JWKS cache keeps real time. A clock that gives no
   * finite number fails every token as expired. Default `Date.now`.
   */
  now?: () => number
}
