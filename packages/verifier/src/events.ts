import type { VerifyErrorCode } from './errors.js'

/**
 * What the verifier and its key caches report through `onEvent`, for metrics and logs.
 * Events never carry tokens or key material; `source` is the JWKS URL.
 */
export type VerifierEvent =
  /** A JWKS request finished: `status` is the HTTP status (304 when not modified). */
  | { type: 'jwks_fetch'; source: string; status: number; keys: number; durationMs: number }
  /** A JWKS request failed (network, timeout, redirect, too large, malformed). */
  | { type: 'jwks_fetch_error'; source: string; error: string; durationMs: number }
  /** A token named a kid the cache does not hold. */
  | { type: 'kid_miss'; source: string; kid: string | undefined }
  /** A refetch for an unknown kid was refused because the window is closed. */
  | { type: 'refetch_throttled'; source: string; kid: string | undefined }
  /** Keys past their max age were served because the endpoint is failing. */
  | { type: 'stale_served'; source: string; ageMs: number }
  /** A successful fetch changed the key set. */
  | { type: 'keys_changed'; source: string; added: readonly string[]; removed: readonly string[] }
  /** A verification failed. */
  | { type: 'verify_failed'; code: VerifyErrorCode }

/** Receives {@link VerifierEvent}s. It must not throw; what it throws is ignored. */
export type VerifierEventHandler = (event: VerifierEvent) => void
