import { LRUCache } from 'lru-cache'
import type { KeyLookup, ResolvedKey } from '../key-source.js'
import type { ImportedKey } from './import-keys.js'
import { algNotAllowed, kidUnknown } from './lookup-errors.js'

/** What a key set change did to the kids it lists. */
export interface KeySetChange {
  added: string[]
  removed: string[]
}

/**
 * The imported keys of one source, by kid, in a bounded LRU cache. Keys without a kid are
 * kept aside: they only serve tokens without a kid, when exactly one key fits the alg.
 */
export class KeyIndex {
  readonly #byKid: LRUCache<string, ImportedKey>
  #kidless: ImportedKey[] = []
  /** For tokens without a kid: the one key that fits each alg, or `null` when several do. */
  #soleKeyByAlg = new Map<string, ResolvedKey | null>()
  #size = 0

  constructor(maxKeys: number) {
    this.#byKid = new LRUCache({ max: Math.max(1, maxKeys) })
  }

  /** Number of usable keys. */
  get size(): number {
    return this.#size
  }

  /** The hot path: the key for a kid and alg, if held. */
  get(kid: string, alg: string): ResolvedKey | undefined {
    return this.#byKid.get(kid)?.keys.get(alg)
  }

  /**
   * The key for a lookup, or undefined when the kid is not held (a miss, worth a refetch).
   * Throws `ERR_ALG_NOT_ALLOWED` when the kid is held but not for this alg, and
   * `ERR_KID_UNKNOWN` for a token without a kid that several keys fit.
   */
  find(lookup: KeyLookup): ResolvedKey | undefined {
    if (lookup.kid === undefined) {
      const sole = this.#soleKeyByAlg.get(lookup.alg)
      if (sole === null) throw kidUnknown('the token has no kid and several keys fit its alg')
      return sole
    }
    const entry = this.#byKid.get(lookup.kid)
    if (entry === undefined) return undefined
    const key = entry.keys.get(lookup.alg)
    if (key === undefined) throw algNotAllowed('the token\'s alg does not fit the key its kid names')
    return key
  }

  /** The import of an unchanged key, for reuse by the next load. */
  previous(kid: string | undefined, fingerprint: string): ImportedKey | undefined {
    const entry = kid === undefined ? this.#kidless.find((key) => key.fingerprint === fingerprint) : this.#byKid.peek(kid)
    return entry?.fingerprint === fingerprint ? entry : undefined
  }

  /** Replaces the whole set. A kid whose key material changed counts as removed and added. */
  replace(imported: readonly ImportedKey[]): KeySetChange {
    const incoming = new Map<string, ImportedKey>()
    const kidless: ImportedKey[] = []
    for (const key of imported) {
      if (key.kid === undefined) kidless.push(key)
      else incoming.set(key.kid, key)
    }
    const removed: string[] = []
    for (const [kid, held] of this.#byKid.entries()) {
      if (incoming.get(kid)?.fingerprint !== held.fingerprint) removed.push(kid)
    }
    for (const kid of removed) this.#byKid.delete(kid)
    const added: string[] = []
    for (const [kid, key] of incoming) {
      if (!this.#byKid.has(kid)) added.push(kid)
      this.#byKid.set(kid, key)
    }
    this.#kidless = kidless
    this.#size = imported.length
    this.#soleKeyByAlg = soleKeys(imported)
    return { added, removed }
  }

  /** Drops every key, returning the kids dropped. */
  clear(): string[] {
    return this.replace([]).removed
  }
}

function soleKeys(imported: readonly ImportedKey[]): Map<string, ResolvedKey | null> {
  const sole = new Map<string, ResolvedKey | null>()
  for (const { keys } of imported) {
    for (const [alg, key] of keys) sole.set(alg, sole.has(alg) ? null : key)
  }
  return sole
}
