import type { Keyring } from '../crypto/keyring.js'
import { generateKey, type KeySpec } from './alg-policy.js'
import { IssuerError } from '../errors.js'
import type { ClientConfig, KeyRecord, KeyUse, Store } from '../store/contract.js'
import type { ClientKeyCache, ClientKeySet } from './client-keys.js'
import { sealKey } from './key-material.js'

const USES: readonly KeyUse[] = ['sig', 'enc']

/**
 * How long past a retired key's last possible use it stays published (and, for `enc`,
 * usable): covers other instances still signing with a cached key, and clock skew.
 */
export const RETIRE_MARGIN = 60_000

/**
 * How long a retired key must be kept, in milliseconds from its retirement: the longest
 * life of anything it made. Signing keys also sign the inner JWS of refresh tokens, which
 * live up to the family lifetime; encryption keys receive only refresh tokens.
 */
export function retention(config: ClientConfig, use: KeyUse): number {
  const longest = use === 'sig' ? Math.max(config.authTTL, config.familyTTL) : config.familyTTL
  return longest + RETIRE_MARGIN
}

/**
 * How long a retired key stays in the public JWKS, in milliseconds from its retirement:
 * while an access token it signed can still be valid. Refresh tokens never need it
 * published (only the issuer opens them), so the JWKS stays a few keys per client.
 */
export function publication(config: ClientConfig, use: KeyUse): number {
  return use === 'sig' ? config.authTTL + RETIRE_MARGIN : 0
}

/** The key spec of a client's keys of one use. */
export function keySpecOf(config: ClientConfig, use: KeyUse): KeySpec {
  return use === 'sig'
    ? { use, alg: config.sigAlg, bits: config.sigBits }
    : { use, alg: config.encAlg, bits: config.encBits }
}

/** Options of {@link createKeyMaintainer}. */
export interface KeyMaintainerOptions {
  store: Store
  keyring: Keyring
  keys: ClientKeyCache
  /** Milliseconds clock. */
  now: () => number
  /**
   * How long a next key must have been published before a scheduled rotation promotes it,
   * in milliseconds: the JWKS cache lifetime, so verifiers have seen it before it signs.
   */
  publicationLead: () => number
  log: (line: string) => void
}

/** Rotation and key generation, each done once per client and use however many ask. */
export interface KeyMaintainer {
  /**
   * The token path's cheap check: when a current key is due and its successor has been
   * published long enough, start the promotion; when a successor is missing, start making
   * one. Never waits and never generates on the caller's time.
   */
  promoteIfDue(set: ClientKeySet): void
  /** Rotates both uses of a client now (on request), making a next key first if none exists. */
  rotateNow(kid: string): Promise<void>
  /** A background pass over every client: due rotations and missing next keys. */
  maintain(): Promise<void>
  /** Resolves once every background task has settled. */
  idle(): Promise<void>
  /** Starts no more background work. */
  stop(): void
}

/**
 * Creates the key maintainer. Rotation promotes `next` to `current` through the store's
 * compare-and-set, so among several instances exactly one wins and only the winner makes
 * the fresh next key.
 *
 * @example
 * ```ts
 * const maintainer = createKeyMaintainer({ store, keyring, keys, now: Date.now, publicationLead: () => 300_000, log })
 * await maintainer.rotateNow('shop')
 * ```
 */
export function createKeyMaintainer(options: KeyMaintainerOptions): KeyMaintainer {
  const { store, keyring, keys, now, publicationLead, log } = options
  const generating = new Map<string, Promise<void>>()
  const rotating = new Map<string, Promise<boolean>>()
  const tasks = new Set<Promise<unknown>>()
  let stopped = false
  let maintaining: Promise<void> | undefined

  function once<T>(flights: Map<string, Promise<T>>, key: string, work: () => Promise<T>): Promise<T> {
    const inFlight = flights.get(key)
    if (inFlight !== undefined) return inFlight
    const flight = work().finally(() => flights.delete(key))
    flights.set(key, flight)
    return flight
  }

  function background(kid: string, work: Promise<unknown>): void {
    const task = work.catch((err: unknown) => {
      log(`key maintenance of client ${kid} failed: ${err instanceof Error ? err.message : String(err)}`)
    })
    tasks.add(task)
    void task.finally(() => tasks.delete(task))
  }

  function ensureNext(kid: string, use: KeyUse): Promise<void> {
    return once(generating, `${kid}\u0000${use}`, async () => {
      const client = await store.getClient(kid)
      if (client === undefined) return
      const live = (await store.listKeys({ clientKid: kid, states: ['current', 'next'] })).filter((k) => k.use === use)
      if (live.some((key) => key.state === 'next')) return
      const generated = await generateKey(keySpecOf(client.config, use))
      const at = now()
      const current = live.find((key) => key.state === 'current')
      const record = sealKey(keyring, kid, use, generated, {
        state: 'next',
        createdAt: at,
        expiresAt: Math.max(current?.expiresAt ?? at, at) + client.config.keyExpiry,
      })
      if (await store.insertKey(record)) {
        log(`generated a ${use} key ${record.id} (${record.alg}) for client ${kid}`)
      }
      await keys.reload(kid)
    })
  }

  async function rotate(kid: string, use: KeyUse, scheduled: boolean): Promise<boolean> {
    const client = await store.getClient(kid)
    if (client === undefined) {
      if (scheduled) return false
      throw new IssuerError('not_found', `no client ${kid}`)
    }
    const list = async (): Promise<KeyRecord[]> =>
      (await store.listKeys({ clientKid: kid, states: ['current', 'next'] })).filter((k) => k.use === use)
    let live = await list()
    const current = live.find((key) => key.state === 'current')
    if (current === undefined) return false
    let successor = live.find((key) => key.state === 'next')
    if (scheduled) {
      if (current.expiresAt > now()) return false
      if (successor === undefined) {
        background(kid, ensureNext(kid, use))
        return false
      }
      if (successor.createdAt + publicationLead() > now()) return false
    } else if (successor === undefined) {
      await ensureNext(kid, use)
      live = await list()
      successor = live.find((key) => key.state === 'next')
      if (successor === undefined) throw new IssuerError('server_error', 'no key to rotate to')
    }
    const at = now()
    const won = await store.rotateKeys({
      clientKid: kid,
      use,
      expectCurrentId: current.id,
      promoteId: successor.id,
      activatedAt: at,
      expiresAt: at + client.config.keyExpiry,
      retireUntil: at + retention(client.config, use),
      publishUntil: at + publication(client.config, use),
    })
    await keys.reload(kid)
    if (won) {
      log(`rotated the ${use} key of client ${kid}: ${successor.id} is current, ${current.id} retired`)
      if (!stopped) background(kid, ensureNext(kid, use))
    }
    return won
  }

  function due(set: ClientKeySet, use: KeyUse, at: number): 'promote' | 'generate' | undefined {
    const { current, next } = set[use]
    if (next.length === 0) return 'generate'
    if (current === undefined || current.record.expiresAt > at) return undefined
    return next[0]!.record.createdAt + publicationLead() <= at ? 'promote' : undefined
  }

  return {
    promoteIfDue(set) {
      if (stopped) return
      const at = now()
      const kid = set.client.kid
      for (const use of USES) {
        const action = due(set, use, at)
        if (action === 'generate') background(kid, ensureNext(kid, use))
        else if (action === 'promote') background(kid, once(rotating, `${kid}\u0000${use}`, () => rotate(kid, use, true)))
      }
    },

    async rotateNow(kid) {
      for (const use of USES) {
        const key = `${kid}\u0000${use}`
        // A scheduled rotation in flight does not count as the one asked for: wait it out.
        await rotating.get(key)?.catch(() => undefined)
        await once(rotating, key, () => rotate(kid, use, false))
      }
    },

    maintain() {
      maintaining ??= (async () => {
        try {
          const clients = await store.listClients()
          const live = await store.listKeys({ states: ['current', 'next'] })
          const at = now()
          for (const client of clients) {
            for (const use of USES) {
              if (stopped) return
              const mine = live.filter((key) => key.clientKid === client.kid && key.use === use)
              const current = mine.find((key) => key.state === 'current')
              const next = mine.find((key) => key.state === 'next')
              try {
                if (next === undefined) await ensureNext(client.kid, use)
                else if (current !== undefined && current.expiresAt <= at) {
                  await once(rotating, `${client.kid}\u0000${use}`, () => rotate(client.kid, use, true))
                }
              } catch (err) {
                log(`key maintenance of client ${client.kid} failed: ${err instanceof Error ? err.message : String(err)}`)
              }
            }
          }
        } finally {
          maintaining = undefined
        }
      })()
      return maintaining
    },

    async idle() {
      while (tasks.size > 0 || maintaining !== undefined) {
        await Promise.allSettled([...tasks, maintaining])
      }
    },

    stop() {
      stopped = true
    },
  }
}
