import type { Keyring } from '../crypto/keyring.js'
import type { ClientRecord, KeyRecord, KeyUse, Store } from '../store/contract.js'
import { checkClientRecord, checkKeyRecord } from './integrity.js'
import { type KeyMaterial, keyMaterial } from './key-material.js'

/** One live key of a client: its store record and its crypto objects. */
export interface LoadedKey extends KeyMaterial {
  readonly record: KeyRecord
}

/** A client's keys of one use, by state. */
export interface UseKeys {
  readonly current: LoadedKey | undefined
  /** Oldest first: the first is the one the next rotation promotes. */
  readonly next: readonly LoadedKey[]
  /** Retired keys still within their `retireUntil`. */
  readonly retired: readonly LoadedKey[]
}

/** A client and its live keys, as read from the store at `loadedAt`. */
export interface ClientKeySet {
  readonly client: ClientRecord
  readonly sig: UseKeys
  readonly enc: UseKeys
  /** When the store was read, milliseconds since the epoch. */
  readonly loadedAt: number
  /** A live key of this client by use and id (thumbprint). */
  find(use: KeyUse, id: string): LoadedKey | undefined
}

/** Options of {@link createClientKeyCache}. */
export interface ClientKeyCacheOptions {
  store: Store
  keyring: Keyring
  /** Milliseconds clock. */
  now: () => number
  /**
   * How long a loaded key set is served before it is re-read in the background, so that
   * rotations by other instances show up; milliseconds. A set older than twice this is
   * re-read before it is served: no instance uses keys older than `2 * maxAge` while the
   * store answers.
   */
  maxAge: number
  /** Receives failures of background re-reads (the cached set keeps serving meanwhile). */
  onError: (err: unknown) => void
}

/** Client key sets kept in memory, private keys unsealed once. */
export interface ClientKeyCache {
  /**
   * The cached set (re-read in the background when older than `maxAge`, before serving when
   * older than twice that), or loaded now. Undefined for an unknown client.
   */
  get(kid: string): Promise<ClientKeySet | undefined>
  /** A set read from the store after this call; concurrent calls share one read. */
  reload(kid: string): Promise<ClientKeySet | undefined>
  /** Forgets a client (after its removal). */
  drop(kid: string): void
}

/** A key's material, with the stored public JWK text it was checked against. */
type CheckedMaterial = KeyMaterial & { storedJwk: string }

interface Entry {
  set: ClientKeySet
  materials: Map<string, CheckedMaterial>
}

interface Read {
  started: boolean
  promise: Promise<ClientKeySet | undefined>
}

function byUse(keys: readonly LoadedKey[], use: KeyUse): UseKeys {
  const mine = keys.filter((key) => key.record.use === use)
  return {
    current: mine.find((key) => key.record.state === 'current'),
    next: mine.filter((key) => key.record.state === 'next'),
    retired: mine.filter((key) => key.record.state === 'retired'),
  }
}

/**
 * A cache of client key sets. Reads coalesce: many requests missing one kid at once cause one
 * store read, and a read requested while another runs starts after it, so a caller that just
 * changed the store always sees its change.
 *
 * @example
 * ```ts
 * const keys = createClientKeyCache({ store, keyring, now: Date.now, maxAge: 5000, onError: log })
 * const set = await keys.get('shop')
 * const signingKey = set?.sig.current?.privateKey()
 * ```
 */
export function createClientKeyCache(options: ClientKeyCacheOptions): ClientKeyCache {
  const { store, keyring, now, maxAge, onError } = options
  const entries = new Map<string, Entry>()
  const reads = new Map<string, Read>()

  async function load(kid: string): Promise<ClientKeySet | undefined> {
    const client = await store.getClient(kid)
    if (client === undefined) {
      entries.delete(kid)
      return undefined
    }
    // A client row or key edited without the password fails here, before any token uses it.
    checkClientRecord(keyring, client)
    const records = await store.listKeys({ clientKid: kid })
    const at = now()
    const previous = entries.get(kid)?.materials
    const materials = new Map<string, CheckedMaterial>()
    const keys: LoadedKey[] = []
    for (const record of records) {
      if (record.state === 'retired' && (record.retireUntil ?? 0) <= at) continue
      let material = previous?.get(record.id)
      if (material === undefined || material.storedJwk !== record.publicJwk) {
        await checkKeyRecord(keyring, record)
        material = { ...keyMaterial(keyring, record), storedJwk: record.publicJwk }
      }
      materials.set(record.id, material)
      keys.push({ record, publicJwk: material.publicJwk, publicKey: material.publicKey, privateKey: material.privateKey })
    }
    const set: ClientKeySet = {
      client,
      sig: byUse(keys, 'sig'),
      enc: byUse(keys, 'enc'),
      loadedAt: at,
      find: (use, id) => keys.find((key) => key.record.use === use && key.record.id === id),
    }
    entries.set(kid, { set, materials })
    return set
  }

  function reload(kid: string): Promise<ClientKeySet | undefined> {
    const queued = reads.get(kid)
    // A read that has not begun yet will see the store as it is after this call: share it.
    if (queued !== undefined && !queued.started) return queued.promise
    const previous = queued?.promise ?? Promise.resolve(undefined)
    const read: Read = { started: false, promise: Promise.resolve(undefined) }
    read.promise = previous
      .catch(() => undefined)
      .then(() => {
        read.started = true
        return load(kid)
      })
      .finally(() => {
        if (reads.get(kid) === read) reads.delete(kid)
      })
    reads.set(kid, read)
    return read.promise
  }

  return {
    async get(kid) {
      const entry = entries.get(kid)
      if (entry === undefined) return reload(kid)
      const age = now() - entry.set.loadedAt
      if (age < maxAge) return entry.set
      const fresh = reload(kid)
      if (age < 2 * maxAge) {
        fresh.catch(onError)
        return entry.set
      }
      // Too old to serve: a rotation by another instance would go unseen for longer than
      // promised. Wait for the read, and serve the old set only if the store cannot answer.
      return fresh.catch((err: unknown) => {
        onError(err)
        return entry.set
      })
    },
    reload,
    drop(kid) {
      entries.delete(kid)
    },
  }
}
