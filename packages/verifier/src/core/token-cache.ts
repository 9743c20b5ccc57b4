import { LRUCache } from 'lru-cache'
import type { KeySource, ResolvedKey } from '../key-source.js'
import type { VerifyResult } from '../types.js'

interface Entry {
  result: VerifyResult
  /** Milliseconds since the epoch from which the entry must not be served: `exp`, or the end of `maxTokenAge`. */
  until: number
  source: KeySource
  /** The key that verified the token. */
  key: ResolvedKey
}

/** A bounded cache of verified tokens; see {@link createVerifiedTokenCache}. */
export interface VerifiedTokenCache {
  /** The result of an earlier verification, if it is still within its lifetime at `nowMs`. */
  get(token: string, nowMs: number): VerifyResult | undefined
  /** Remembers a token verified with `key` of `source`; freezes the result, which later hits share. */
  add(token: string, result: VerifyResult, source: KeySource, key: ResolvedKey, until: number, nowMs: number): void
  /**
   * Forgets every token verified with a key of `source` that left it: one with one of
   * these kids, or one of `keys` itself (how keys without a kid are told apart).
   */
  dropKeys(source: KeySource, kids: readonly string[], keys?: readonly ResolvedKey[]): void
  clear(): void
}

/**
 * A verified-token cache keyed by the token itself, bounded to `max` entries (least
 * recently used go first). A hit re-checks the clock, so a token is never served at or
 * past its `exp`; tokens leave when the key that verified them leaves its source.
 */
export function createVerifiedTokenCache(max: number): VerifiedTokenCache {
  const entries = new LRUCache<string, Entry>({ max })
  return {
    get(token, nowMs) {
      const entry = entries.get(token)
      if (entry === undefined) return undefined
      if (nowMs < entry.until) return entry.result
      entries.delete(token)
      return undefined
    },
    add(token, result, source, key, until, nowMs) {
      if (nowMs >= until) return
      entries.set(token, { result: deepFreeze(result), until, source, key })
    },
    dropKeys(source, kids, keys = []) {
      const gone = new Set(keys)
      const goneKids = new Set(kids)
      const doomed: string[] = []
      for (const [token, entry] of entries.entries()) {
        if (entry.source !== source) continue
        const kid = entry.key.kid
        if (gone.has(entry.key) || (kid !== undefined && goneKids.has(kid))) doomed.push(token)
      }
      for (const token of doomed) entries.delete(token)
    },
    clear() {
      entries.clear()
    },
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const member of Object.values(value)) deepFreeze(member)
  }
  return value
}
