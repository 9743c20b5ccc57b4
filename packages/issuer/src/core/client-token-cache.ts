/**
 * Client authentication without a store read per request: the hash of a client token that
 * has just authenticated maps to its client's kid for a short while. Only successes are
 * kept (a flood of wrong tokens cannot fill it), each entry holds the row's token hash,
 * which the caller still compares in constant time, and the row's MAC was checked before
 * the entry was made. An entry lives at most `maxAge`: a client removed on another
 * instance sharing the store stops authenticating here within that time; one removed here
 * is dropped at once.
 */

/** A client row that authenticated, as the cache keeps it. */
export interface CachedClient {
  kid: string
  /** The stored token hash the presented one matched. */
  tokenHash: string
}

/** Options of {@link createClientTokenCache}. */
export interface ClientTokenCacheOptions {
  /** Milliseconds clock. */
  now: () => number
  /** How long an entry is trusted, in milliseconds. */
  maxAge: number
  /** Most entries kept; the oldest go first. Default 10000. */
  maxEntries?: number | undefined
}

/** Token hash to client, for a while. */
export interface ClientTokenCache {
  /** The client whose token hashes to `tokenHash`, if it authenticated within `maxAge`. */
  get(tokenHash: string): CachedClient | undefined
  /** A mark to take before reading the store, for {@link ClientTokenCache.set}. */
  mark(): number
  /**
   * Remembers a client row that authenticated and passed its MAC check, unless a client was
   * removed since `mark` was taken: the row read may be one that is gone.
   */
  set(tokenHash: string, client: CachedClient, mark: number): void
  /** Forgets every entry of `kid` (it was removed). */
  dropKid(kid: string): void
}

interface Entry extends CachedClient {
  expiresAt: number
}

/**
 * Creates an empty cache.
 *
 * @example
 * ```ts
 * const tokens = createClientTokenCache({ now: Date.now, maxAge: 5000 })
 * const mark = tokens.mark()
 * tokens.set(hash, { kid: 'shop', tokenHash: hash }, mark)
 * tokens.get(hash)?.kid // 'shop'
 * ```
 */
export function createClientTokenCache(options: ClientTokenCacheOptions): ClientTokenCache {
  const { now, maxAge } = options
  const maxEntries = options.maxEntries ?? 10_000
  const entries = new Map<string, Entry>()
  let removals = 0
  return {
    get(tokenHash) {
      const entry = entries.get(tokenHash)
      if (entry === undefined) return undefined
      if (entry.expiresAt <= now()) {
        entries.delete(tokenHash)
        return undefined
      }
      return entry
    },
    mark: () => removals,
    set(tokenHash, client, mark) {
      if (mark !== removals) return
      entries.delete(tokenHash)
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next()
        if (oldest.done !== true) entries.delete(oldest.value)
      }
      entries.set(tokenHash, { kid: client.kid, tokenHash: client.tokenHash, expiresAt: now() + maxAge })
    },
    dropKid(kid) {
      removals++
      for (const [hash, entry] of entries) if (entry.kid === kid) entries.delete(hash)
    },
  }
}
