/** Options of {@link createSingleFlight}. */
export interface SingleFlightOptions {
  /** Milliseconds a success stays shared after it settled, for requests sent before it. */
  holdMs: number
  /** Most keys remembered; the oldest go first. */
  max: number
}

/** Runs one call per key at a time and shares its result. */
export interface SingleFlight<T> {
  /** Joins the call in flight for `key` (or its recent success), or starts `call`. */
  run(key: string, call: () => Promise<T>): Promise<T>
  /** Forgets every key, and every success, that `match` picks. */
  forget(match: (key: string, value: T | undefined) => boolean): void
}

interface Entry<T> {
  promise: Promise<T>
  value: T | undefined
}

/**
 * Single flight keyed by a string: concurrent callers with one key share one call. A
 * success is kept for `holdMs` more, because requests that left the browser before the new
 * cookies arrived still carry the old key; a failure is forgotten at once, so the next
 * request tries again.
 *
 * @example
 * ```ts
 * const renewals = createSingleFlight<TokenPair>({ holdMs: 10_000, max: 10_000 })
 * const pair = await renewals.run(refreshToken, () => issuer.renew(refreshToken))
 * ```
 */
export function createSingleFlight<T>(options: SingleFlightOptions): SingleFlight<T> {
  const entries = new Map<string, Entry<T>>()
  return {
    run(key, call) {
      const existing = entries.get(key)
      if (existing !== undefined) return existing.promise
      const entry: Entry<T> = { promise: call(), value: undefined }
      entries.set(key, entry)
      if (entries.size > options.max) entries.delete(entries.keys().next().value as string)
      entry.promise.then(
        (value) => {
          entry.value = value
          setTimeout(() => {
            if (entries.get(key) === entry) entries.delete(key)
          }, options.holdMs).unref()
        },
        () => {
          if (entries.get(key) === entry) entries.delete(key)
        },
      )
      return entry.promise
    },
    forget(match) {
      for (const [key, entry] of entries) if (match(key, entry.value)) entries.delete(key)
    },
  }
}
