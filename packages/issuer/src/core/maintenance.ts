import { KeyringError, type Keyring } from '../crypto/keyring.js'
import type { ClientConfig, Store } from '../store/contract.js'
import { ADMIN_TOKEN_MAC_META, ADMIN_TOKEN_META } from './initialise.js'
import { checkAdminTokenHash, checkClientRecord } from './integrity.js'
import type { KeyMaintainer } from './key-maintainer.js'

/** Whether an error is a record found altered without the password. */
export function isTampering(err: unknown): err is KeyringError {
  return err instanceof KeyringError && err.code === 'tampered'
}

/** An error as one log line, never its stack. */
export function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}

/** What {@link startMaintenance} looks after. */
export interface MaintenanceOptions {
  store: Store
  keyring: Keyring
  maintainer: KeyMaintainer
  now: () => number
  log: (line: string) => void
  /** Milliseconds between passes; `0` runs none. */
  interval: number
  /** Told every client's config after each pass. */
  noteClients: (configs: readonly ClientConfig[]) => void
  /** Told a record found altered. */
  noteTampering: (err: KeyringError) => void
  /** The admin token hash in use, and where a new one (set by another instance) goes. */
  adminTokenHash: { value: string }
}

/** The background pass of an issuer, running until {@link Maintenance.stop}. */
export interface Maintenance {
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>
}

/**
 * Every `interval`: scheduled rotation and missing next keys, purging expired families and
 * retired keys, checking client records, and picking up an admin token set elsewhere.
 */
export function startMaintenance(options: MaintenanceOptions): Maintenance {
  const { store, keyring, maintainer, now, log, noteClients, noteTampering, adminTokenHash } = options
  let stopped = false
  let sweeping: Promise<void> | undefined
  let timer: ReturnType<typeof setInterval> | undefined

  async function sweep(): Promise<void> {
    try {
      await maintainer.maintain()
      const at = now()
      const retired = await store.purgeRetiredKeys(at)
      const families = await store.purgeFamilies(at)
      if (retired + families > 0) log(`purged ${retired} retired keys and ${families} expired token families`)
      const clients = await store.listClients()
      for (const client of clients) checkClientRecord(keyring, client)
      noteClients(clients.map((client) => client.config))
      // Another instance may have been started with a new admin token.
      const storedAdminHash = await store.getMeta(ADMIN_TOKEN_META)
      if (storedAdminHash !== undefined && storedAdminHash !== adminTokenHash.value) {
        checkAdminTokenHash(keyring, storedAdminHash, await store.getMeta(ADMIN_TOKEN_MAC_META))
        adminTokenHash.value = storedAdminHash
      }
    } catch (err) {
      if (isTampering(err)) noteTampering(err)
      else log(`background maintenance failed: ${describe(err)}`)
    }
  }

  function startSweep(): void {
    if (stopped || sweeping !== undefined) return
    sweeping = sweep().finally(() => {
      sweeping = undefined
    })
  }

  if (options.interval > 0) {
    timer = setInterval(startSweep, options.interval)
    timer.unref()
    // Repair what a crash may have left (a missing next key) without waiting a whole interval.
    startSweep()
  }

  return {
    async stop() {
      stopped = true
      if (timer !== undefined) clearInterval(timer)
      await sweeping
    },
  }
}
