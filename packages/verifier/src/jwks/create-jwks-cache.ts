import { LRUCache } from 'lru-cache'
import { type Clock, systemClock, type Timer } from '../clock.js'
import type { VerifierEvent } from '../events.js'
import type { KeyLookup, KeySourceStatus, KeysRemovedListener, ResolvedKey } from '../key-source.js'
import { backoffDelay, MAX_BACKOFF_MS, MIN_BACKOFF_MS } from './backoff.js'
import { resolveCacheOptions } from './cache-options.js'
import { fetchJwks, JwksFetchError } from './fetch-jwks.js'
import { freshnessLifetime } from './freshness.js'
import { importSelectedKeys } from './import-keys.js'
import { KeyIndex, type KeySetChange } from './key-index.js'
import { algNotAllowed, keysUnavailable, kidUnknown } from './lookup-errors.js'
import { JwksDocumentError, selectKeys } from './select-keys.js'
import type { CreateJwksCacheOptions, JwksCache } from './types.js'

/** Keys are refreshed this share of their lifetime before they expire... */
const REFRESH_LEAD_SHARE = 0.2
/** ...but never more than this early, in milliseconds. */
const MAX_REFRESH_LEAD_MS = 60_000
/** Bounds of the negative cache: entries, and characters of kids held. */
const UNKNOWN_KIDS_MAX = 10_000
const UNKNOWN_KIDS_MAX_CHARS = 1024 * 1024
/** Kids in events are cut to this length: they come from tokens, and logs should stay small. */
const EVENT_KID_MAX_LENGTH = 128

interface FetchOutcome {
  ok: boolean
  error?: string
}

/**
 * Creates the key cache of a remote JWKS: a {@link KeySource} for the verifier.
 *
 * - Keys are held by kid in a bounded LRU cache of this source, imported once per (kid,
 *   alg) right after each fetch, so a lookup of a held kid answers synchronously.
 * - One request in flight at a time: concurrent lookups on a cold cache share it.
 * - An unknown kid triggers a refetch at most once per `cooldown` window. While the window
 *   is closed the lookup fails at once with `ERR_KID_UNKNOWN`, and one refetch is scheduled
 *   for the window's opening, so a key published meanwhile is picked up whichever token
 *   asked first. A kid that a refetch it triggered did not find is remembered for
 *   `negativeTtl`: it fails at once and triggers nothing.
 * - `Cache-Control` max-age (minus `Age`, kept within [1 s, 24 h]), `no-store`/`no-cache`
 *   (refetch at the next window) and ETag revalidation are honoured; keys are refreshed in
 *   the background before they expire.
 * - When the endpoint fails, held keys keep working for `staleIfError` past their expiry
 *   while retries back off exponentially (one cooldown, doubling, up to 5 min).
 * - A kid that a successful fetch no longer lists is dropped at once, and `onKeysRemoved`
 *   listeners hear of it (as they do when stale-if-error ends and every key is dropped);
 *   they also hear of keys without a kid that leave.
 * - A kid listed for two different usable keys is ambiguous: lookups naming it fail at once
 *   with `ERR_KID_AMBIGUOUS`, without a refetch; the other kids of the document still work.
 * - With nothing usable held and the endpoint failing, lookups fail with
 *   `ERR_KEYS_UNAVAILABLE` (retried no sooner than the backoff allows).
 *
 * Events: `jwks_fetch` and `jwks_fetch_error` per request, `keys_changed` when a fetch
 * changes the kids, `kid_miss` per lookup of a kid not held, `refetch_throttled` per miss
 * refused by the window, `stale_served` once per fetch attempt while expired keys answer.
 *
 * Timers never keep the process alive; `close()` stops them.
 *
 * @throws TypeError at construction for a bad URL (not https outside loopback without
 *   `allowHttp`, credentials in it), an empty or unknown allow-list, or bad cache options.
 * @example
 * ```ts
 * const keys = createJwksCache({
 *   url: 'https://id.example.com/jwks/shop',
 *   algorithms: ['ES256'],
 *   cooldown: '30s',
 *   onEvent: (event) => metrics.count(event.type),
 * })
 * const { key } = await keys.getKey({ alg: 'ES256', kid: header.kid })
 * ```
 */
export function createJwksCache(options: CreateJwksCacheOptions): JwksCache {
  return buildJwksCache(options, systemClock)
}

/**
 * {@link createJwksCache} on a given clock: every time it reads and every timer it starts
 * (refresh ahead of expiry, the refetch at a window's opening, backoff, request timeouts)
 * go through `clock`. Internal to the package, so that tests own the time.
 */
export function buildJwksCache(options: CreateJwksCacheOptions, clock: Clock): JwksCache {
  const config = resolveCacheOptions(options)
  const source = config.url.href
  const index = new KeyIndex(config.maxKeys)
  /** Kids a refetch proved unknown, each with the time it is forgotten (by `clock`, so no TTL of the LRU's own). */
  const unknownKids = new LRUCache<string, number>({
    max: UNKNOWN_KIDS_MAX,
    maxSize: UNKNOWN_KIDS_MAX_CHARS,
    sizeCalculation: (_, kid) => kid.length + 1,
  })
  const removalListeners = new Set<KeysRemovedListener>()
  const closer = new AbortController()
  const freshness = { defaultMaxAgeMs: config.maxAgeMs, cooldownMs: config.cooldownMs }
  const backoffBaseMs = Math.max(config.cooldownMs, MIN_BACKOFF_MS)
  const backoffCapMs = Math.max(backoffBaseMs, MAX_BACKOFF_MS)

  /** A fetched key set (possibly empty) is held and not past its stale-if-error end. */
  let hasSet = false
  let etag: string | undefined
  let fetchedAt: number | undefined
  /** The hot path serves held keys without further checks until then. */
  let freshUntil = 0
  let usableUntil = 0
  let refreshAt = 0
  let lastError: string | undefined
  let failures = 0
  let retryAt = 0
  /** When the next refetch for an unknown kid may start. */
  let windowOpensAt = 0
  let inFlight: Promise<FetchOutcome> | undefined
  let timer: Timer | undefined
  let staleReported = false
  let closed = false

  function emit(event: VerifierEvent): void {
    if (config.onEvent === undefined) return
    try {
      config.onEvent(event)
    } catch {
      // A failing event handler must not break verification.
    }
  }

  function notifyRemoved({ removed, removedKeys }: KeySetChange): void {
    if (removed.length === 0 && removedKeys.length === 0) return
    for (const listener of removalListeners) {
      try {
        listener(removed, removedKeys)
      } catch {
        // One failing listener must not keep the others from hearing.
      }
    }
  }

  function schedule(at: number): void {
    if (closed || (timer !== undefined && timer.dueAt <= at)) return
    timer?.cancel()
    timer = clock.startTimer(() => {
      timer = undefined
      if (!closed && inFlight === undefined) void startFetch()
    }, at - clock.now())
  }

  function startFetch(): Promise<FetchOutcome> {
    timer?.cancel()
    timer = undefined
    const startedAt = clock.now()
    windowOpensAt = startedAt + config.cooldownMs
    const run = runFetch(startedAt).then((outcome) => {
      inFlight = undefined
      staleReported = false
      if (!closed) {
        dropIfUnusable(clock.now())
        if (outcome.ok) schedule(refreshAt)
        else if (hasSet) schedule(retryAt)
      }
      return outcome
    })
    inFlight = run
    return run
  }

  async function runFetch(startedAt: number): Promise<FetchOutcome> {
    try {
      const result = await fetchJwks(config.url, {
        fetch: config.fetch,
        timeoutMs: config.timeoutMs,
        maxBytes: config.maxResponseBytes,
        etag: hasSet ? etag : undefined,
        headers: config.headers,
        signal: closer.signal,
        clock,
      })
      const lifetime = freshnessLifetime(result.headers, freshness)
      if (!('document' in result)) {
        markFresh(lifetime)
        emit({ type: 'jwks_fetch', source, status: 304, keys: index.size, durationMs: clock.now() - startedAt })
        return { ok: true }
      }
      const selection = selectKeys(result.document, config.algorithms, config.maxKeys)
      const imported = await importSelectedKeys(selection.keys, config.importKey, (kid, fingerprint) =>
        hasSet ? index.previous(kid, fingerprint) : undefined,
      )
      const change = index.replace(imported, selection.ambiguous)
      hasSet = true
      etag = result.etag
      markFresh(lifetime)
      for (const kid of change.added) unknownKids.delete(kid)
      emit({ type: 'jwks_fetch', source, status: result.status, keys: index.size, durationMs: clock.now() - startedAt })
      if (change.added.length > 0 || change.removed.length > 0) {
        emit({ type: 'keys_changed', source, added: change.added, removed: change.removed })
      }
      notifyRemoved(change)
      return { ok: true }
    } catch (err) {
      const error =
        err instanceof JwksFetchError || err instanceof JwksDocumentError
          ? err.message
          : 'JWKS response could not be processed'
      if (closed) return { ok: false, error }
      failures++
      lastError = error
      retryAt = clock.now() + backoffDelay(failures, backoffBaseMs, backoffCapMs)
      emit({ type: 'jwks_fetch_error', source, error, durationMs: clock.now() - startedAt })
      return { ok: false, error }
    }
  }

  function markFresh(lifetimeMs: number): void {
    const now = clock.now()
    fetchedAt = now
    freshUntil = now + lifetimeMs
    usableUntil = freshUntil + config.staleIfErrorMs
    refreshAt = freshUntil - Math.min(lifetimeMs * REFRESH_LEAD_SHARE, MAX_REFRESH_LEAD_MS)
    lastError = undefined
    failures = 0
    retryAt = 0
  }

  /** Past the stale-if-error end, held keys are no longer trusted. */
  function dropIfUnusable(now: number): void {
    if (!hasSet || now < usableUntil) return
    hasSet = false
    etag = undefined
    notifyRemoved(index.clear())
  }

  function serveStale(now: number): void {
    if (!staleReported) {
      staleReported = true
      emit({ type: 'stale_served', source, ageMs: now - (fetchedAt ?? now) })
    }
    // Timers may not run on every runtime (serverless); a stale lookup also starts the refresh.
    if (!closed && inFlight === undefined && now >= retryAt) void startFetch()
  }

  function isKnownUnknown(kid: string, now: number): boolean {
    const forgetAt = unknownKids.get(kid)
    if (forgetAt === undefined) return false
    if (now < forgetAt) return true
    unknownKids.delete(kid)
    return false
  }

  function eventKid(kid: string | undefined): string | undefined {
    return kid !== undefined && kid.length > EVENT_KID_MAX_LENGTH ? kid.slice(0, EVENT_KID_MAX_LENGTH) : kid
  }

  /** After a fetch: the key, or why there is none. `own` is true when this lookup's own fetch succeeded. */
  function afterFetch(lookup: KeyLookup, own: boolean): ResolvedKey {
    const now = clock.now()
    dropIfUnusable(now)
    if (!hasSet) throw keysUnavailable(lastError ?? 'no key set could be fetched')
    const key = index.find(lookup)
    if (key !== undefined) {
      if (now >= freshUntil) serveStale(now)
      return key
    }
    if (lookup.kid !== undefined) {
      // Only a fetch that started after this kid was seen proves it unknown. A lookup that
      // joined an earlier fetch gets a refetch at the window's opening instead.
      if (own) {
        if (config.negativeTtlMs > 0) unknownKids.set(lookup.kid, now + config.negativeTtlMs)
      } else {
        schedule(Math.max(windowOpensAt, retryAt))
      }
    }
    throw kidUnknown()
  }

  function whenFetched(lookup: KeyLookup, fetching: Promise<FetchOutcome>, own: boolean): Promise<ResolvedKey> {
    return fetching.then((outcome) => afterFetch(lookup, own && outcome.ok))
  }

  /** Nothing usable is held: load, or fail at once while the endpoint is backing off. */
  function load(lookup: KeyLookup, now: number): Promise<ResolvedKey> {
    if (inFlight !== undefined) return whenFetched(lookup, inFlight, false)
    if (closed) throw keysUnavailable('the key cache is closed')
    if (now < retryAt) throw keysUnavailable(lastError ?? 'the JWKS endpoint is failing')
    return whenFetched(lookup, startFetch(), true)
  }

  /** The kid is not held: refetch if the window is open, otherwise fail at once. */
  function miss(lookup: KeyLookup, now: number): Promise<ResolvedKey> {
    emit({ type: 'kid_miss', source, kid: eventKid(lookup.kid) })
    if (lookup.kid !== undefined && isKnownUnknown(lookup.kid, now)) throw kidUnknown()
    if (inFlight !== undefined) return whenFetched(lookup, inFlight, false)
    const opensAt = Math.max(windowOpensAt, retryAt)
    if (closed || now < opensAt) {
      emit({ type: 'refetch_throttled', source, kid: eventKid(lookup.kid) })
      schedule(opensAt)
      throw kidUnknown('no key of the set matches the token\'s kid, and the refetch window is closed')
    }
    return whenFetched(lookup, startFetch(), true)
  }

  function slowLookup(lookup: KeyLookup): ResolvedKey | Promise<ResolvedKey> {
    if (!config.allowed.has(lookup.alg)) throw algNotAllowed('the token\'s alg is not in the allow-list')
    const now = clock.now()
    dropIfUnusable(now)
    if (!hasSet) return load(lookup, now)
    const key = index.find(lookup)
    if (key === undefined) return miss(lookup, now)
    if (now >= freshUntil) serveStale(now)
    return key
  }

  return {
    getKey(lookup: KeyLookup): ResolvedKey | Promise<ResolvedKey> {
      // The hot path: a held kid while the keys are fresh, without awaiting or allocating.
      if (lookup.kid !== undefined && clock.now() < freshUntil) {
        const key = index.get(lookup.kid, lookup.alg)
        if (key !== undefined) return key
      }
      return slowLookup(lookup)
    },

    status(): KeySourceStatus {
      const now = clock.now()
      dropIfUnusable(now)
      return {
        loaded: hasSet && index.size > 0,
        fresh: hasSet && now < freshUntil,
        keys: hasSet ? index.size : 0,
        fetchedAt,
        lastError,
      }
    },

    onKeysRemoved(listener: KeysRemovedListener): () => void {
      removalListeners.add(listener)
      return () => {
        removalListeners.delete(listener)
      }
    },

    async refresh(): Promise<void> {
      if (closed) throw keysUnavailable('the key cache is closed')
      const outcome = await (inFlight ?? startFetch())
      if (!outcome.ok) throw keysUnavailable(outcome.error ?? 'the JWKS endpoint is failing')
    },

    close(): void {
      closed = true
      timer?.cancel()
      timer = undefined
      closer.abort()
    },
  }
}
