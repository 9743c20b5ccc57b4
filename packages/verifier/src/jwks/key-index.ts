import { LRUCache } from 'lru-cache'
import type { KeyLookup, ResolvedKey } from '../key-source.js'
import type { ImportedKey } from './import-keys.js'
import { algNotAllowed, kidAmbiguous, kidUnknown } from './lookup-errors.js'
import type { AmbiguousKid } from './select-keys.js'

/** What a key set change did to the keys it holds. */
export interface KeySetChange {
  added: string[]
  /** Kids no longer held as one key: gone, changed, or now ambiguous. */
  removed: string[]
  /** Every key no longer held, those without a kid included. */
  removedKeys: ResolvedKey[]
}

/**
 * The imported keys of one source, by kid, in a bounded LRU cache. Keys without a kid are
 * kept aside: they only serve tokens without a kid, when exactly one key fits the alg.
 * Ambiguous kids (two different keys under one kid) are held by name only, so that tokens
 * naming them are refused at once rather than taken for a miss worth a refetch.
 */
export class KeyIndex {
  readonly #byKid: LRUCache<string, ImportedKey>
  #kidless: ImportedKey[] = []
  #ambiguous: ReadonlySet<string> = new Set()
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
   * Throws `ERR_KID_AMBIGUOUS` for an ambiguous kid, `ERR_ALG_NOT_ALLOWED` when the kid is
   * held but not for this alg, and `ERR_KID_UNKNOWN` for a token without a kid that several
   * keys fit.
   */
  find(lookup: KeyLookup): ResolvedKey | undefined {
    if (lookup.kid === undefined) {
      const sole = this.#soleKeyByAlg.get(lookup.alg)
      if (sole === null) throw kidUnknown('the token has no kid and several keys fit its alg')
      return sole
    }
    if (this.#ambiguous.has(lookup.kid)) throw kidAmbiguous()
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
  replace(imported: readonly ImportedKey[], ambiguous: readonly AmbiguousKid[] = []): KeySetChange {
    const incoming = new Map<string, ImportedKey>()
    const kidless: ImportedKey[] = []
    for (const key of imported) {
      if (key.kid === undefined) kidless.push(key)
      else incoming.set(key.kid, key)
    }
    const removed: string[] = []
    const removedKeys: ResolvedKey[] = []
    for (const [kid, held] of this.#byKid.entries()) {
      if (incoming.get(kid)?.fingerprint === held.fingerprint) continue
      removed.push(kid)
      removedKeys.push(...held.keys.values())
    }
    for (const kid of removed) this.#byKid.delete(kid)
    // Unchanged keys without a kid are reused by fingerprint, so a fingerprint not listed again is a key gone.
    const kept = new Set(kidless.map((key) => key.fingerprint))
    for (const held of this.#kidless) if (!kept.has(held.fingerprint)) removedKeys.push(...held.keys.values())
    const added: string[] = []
    for (const [kid, key] of incoming) {
      if (!this.#byKid.has(kid)) added.push(kid)
      this.#byKid.set(kid, key)
    }
    this.#kidless = kidless
    this.#ambiguous = new Set(ambiguous.map(({ kid }) => kid))
    this.#size = imported.length
    this.#soleKeyByAlg = soleKeys(imported, ambiguous)
    return { added, removed, removedKeys }
  }

  /** Drops every key. */
  clear(): KeySetChange {
    return this.replace([])
  }
}

function soleKeys(imported: readonly ImportedKey[], ambiguous: readonly AmbiguousKid[]): Map<string, ResolvedKey | null> {
  const sole = new Map<string, ResolvedKey | null>()
  for (const { keys } of imported) {
    for (const [alg, key] of keys) sole.set(alg, sole.has(alg) ? null : key)
  }
  // Two keys share an ambiguous kid: for its algs, more than one key fits.
  for (const { algorithms } of ambiguous) for (const alg of algorithms) sole.set(alg, null)
  return sole
}
