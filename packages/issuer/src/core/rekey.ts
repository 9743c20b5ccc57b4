import { KEYRING_META, rewrapKeyring } from '../crypto/keyring.js'
import type { Store } from '../store/contract.js'

/**
 * Changes the password a store opens with: its data key is wrapped again under a key derived
 * from the new password. Nothing sealed is touched, so every key, client and token stays as
 * it was, and a running issuer (which holds the data key) carries on. The store stays open.
 *
 * @returns false when the store has no keyring (it was never initialised); nothing changed.
 * @throws KeyringError `wrong_password` when the old password does not unlock it (nothing changes).
 * @example
 * ```ts
 * const store = createSqliteStore({ path: 'data/keys.db' })
 * await rekeyStore(store, oldPassword, newPassword)
 * await store.close()
 * ```
 */
export async function rekeyStore(store: Store, oldPassword: string, newPassword: string): Promise<boolean> {
  const meta = await store.getMeta(KEYRING_META)
  if (meta === undefined) return false
  const rewrapped = await rewrapKeyring(meta, oldPassword, newPassword)
  await store.setMeta({ [KEYRING_META]: rewrapped })
  return true
}
