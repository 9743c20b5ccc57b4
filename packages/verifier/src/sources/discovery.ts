import { VerifyError } from '../errors.js'
import type { VerifierEventHandler } from '../events.js'
import type { JwksCache } from '../jwks/types.js'
import type { KeyLookup, KeySource, KeySourceStatus, KeysRemovedListener, ResolvedKey } from '../key-source.js'
import { fetchJsonObject } from './fetch-json.js'

/** Options of {@link createDiscoveryKeySource}. */
export interface DiscoveryKeySourceOptions {
  /** The discovery document's URL, already checked. */
  url: URL
  /** The configured issuers; the document's `issuer` must be one of them. */
  issuers: readonly string[]
  /** Timeout of the discovery request, in milliseconds. */
  timeoutMs: number
  /** Largest accepted document, in bytes. */
  maxBytes: number
  /** After a failed attempt, milliseconds before the next one; until then lookups fail at once. */
  retryAfterMs: number
  /** Builds the JWKS cache for the document's `jwks_uri`; may throw a TypeError (e.g. http). */
  createCache(jwksUri: string): JwksCache
  /** Receives a `jwks_fetch_error` (with the document's URL as source) when discovery fails. */
  onEvent: VerifierEventHandler | undefined
}

/** A key source that finds its JWKS through discovery: a {@link JwksCache} once found. */
export interface DiscoveryKeySource extends KeySource {
  close(): void
}

/**
 * Reads the OpenID discovery document once, on the first lookup (concurrent lookups share
 * one request), checks that its `issuer` is the configured one, then serves keys from a
 * JWKS cache of its `jwks_uri`. A failure is `ERR_KEYS_UNAVAILABLE`, and lookups fail at
 * once until `retryAfterMs` has passed, so a down endpoint is not hammered.
 */
export function createDiscoveryKeySource(options: DiscoveryKeySourceOptions): DiscoveryKeySource {
  const source = options.url.href
  let cache: JwksCache | undefined
  let pending: Promise<JwksCache> | undefined
  let failedAt = Number.NEGATIVE_INFINITY
  let lastError: string | undefined
  let closed = false
  const listeners = new Map<KeysRemovedListener, () => void>()

  const discover = async (): Promise<JwksCache> => {
    const started = Date.now()
    try {
      const document = await fetchJsonObject(options.url, { timeoutMs: options.timeoutMs, maxBytes: options.maxBytes })
      if (typeof document['issuer'] !== 'string' || !options.issuers.includes(document['issuer'])) {
        throw new Error('the discovery document names another issuer')
      }
      if (typeof document['jwks_uri'] !== 'string') throw new Error('the discovery document has no "jwks_uri"')
      const created = options.createCache(document['jwks_uri'])
      if (closed) created.close()
      for (const [listener] of listeners) listeners.set(listener, subscribe(created, listener))
      cache = created
      lastError = undefined
      return created
    } catch (cause) {
      failedAt = Date.now()
      lastError = cause instanceof Error ? cause.message : String(cause)
      emit({ type: 'jwks_fetch_error', source, error: lastError, durationMs: failedAt - started })
      throw new VerifyError('ERR_KEYS_UNAVAILABLE', `keys unavailable: discovery failed (${lastError})`, { cause })
    } finally {
      pending = undefined
    }
  }

  const emit: VerifierEventHandler = (event) => {
    try {
      options.onEvent?.(event)
    } catch {
      // An event handler must not break verification.
    }
  }

  const load = (): Promise<JwksCache> => {
    if (pending !== undefined) return pending
    if (Date.now() - failedAt < options.retryAfterMs) {
      return Promise.reject(
        new VerifyError('ERR_KEYS_UNAVAILABLE', `keys unavailable: discovery failed (${lastError ?? 'unknown error'})`),
      )
    }
    pending = discover()
    return pending
  }

  return {
    getKey(lookup: KeyLookup): ResolvedKey | Promise<ResolvedKey> {
      if (cache !== undefined) return cache.getKey(lookup)
      return load().then((loaded) => loaded.getKey(lookup))
    },
    status(): KeySourceStatus {
      return cache?.status() ?? { loaded: false, fresh: false, keys: 0, lastError }
    },
    onKeysRemoved(listener) {
      listeners.set(listener, cache === undefined ? noop : subscribe(cache, listener))
      return () => {
        listeners.get(listener)?.()
        listeners.delete(listener)
      }
    },
    close() {
      closed = true
      cache?.close()
    },
  }
}

function noop(): void {}

function subscribe(cache: JwksCache, listener: KeysRemovedListener): () => void {
  return cache.onKeysRemoved?.(listener) ?? noop
}
