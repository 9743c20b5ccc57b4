import { LRUCache } from 'lru-cache'
import type { KeySource } from '../key-source.js'
import type { VerifyResult } from '../types.js'

interface Entry {
  result: VerifyResult
  /** Milliseconds since the epoch from which the entry must not be served: `exp`, or the end of `maxTokenAge`. */
  until: number
  source: KeySource
  kid: string | undefined
}

/** A bounded cache of verified tokens; see {@link createVerifiedTokenCache}. */
export interface VerifiedTokenCache {
  /** The result of an earlier verification, if it is still within its lifetime at `nowMs`. */
  get(token: string, nowMs: number): VerifyResult | undefined
  /** Remembers a verified token; freezes the result, which later hits share. */
  add(token: string, result: VerifyResult, source: KeySource, kid: string | undefined, until: number, nowMs: number): void
  /** Forgets every token verified with one of these kids of `source`. */
  dropKids(source: KeySource, kids: readonly string[]): void
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
    add(token, result, source, kid, until, nowMs) {
      if (nowMs >= until) return
      entries.set(token, { result: deepFreeze(result), until, source, kid })
    },
    dropKids(source, kids) {
      const doomed: string[] = []
      for (const [token, entry] of entries.entries()) {
        if (entry.source === source && entry.kid !== undefined && kids.includes(entry.kid)) doomed.push(token)
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
