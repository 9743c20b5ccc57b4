import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createIssuer } from '../../src/core/create-issuer.js'
import { rekeyStore } from '../../src/core/rekey.js'
import { KeyringError } from '../../src/errors.js'
import { createSqliteStore } from '../../src/store/sqlite.js'
import { PASSWORD, startIssuer, tempDir } from './helpers.js'

const NEW_PASSWORD = 'a new and longer passphrase for the store'

describe('rekeyStore', () => {
  it('makes the store open with the new password only, its clients and keys unchanged', async () => {
    const dir = await tempDir()
    try {
      const first = await startIssuer({ dir })
      const { clientToken, pubSigKey } = await first.issuer.registerClient('shop')
      await first.close()

      const store = createSqliteStore({ path: join(dir, 'keys.db') })
      expect(await rekeyStore(store, PASSWORD, NEW_PASSWORD)).toBe(true)
      await store.close()

      const old = createSqliteStore({ path: join(dir, 'keys.db') })
      await expect(createIssuer({ store: old, password: PASSWORD, maintenanceInterval: 0 })).rejects.toMatchObject({
        name: 'KeyringError',
        code: 'wrong_password',
      })
      await old.close()

      const again = await startIssuer({ dir, password: NEW_PASSWORD })
      expect(await again.issuer.authenticateClient(clientToken)).toBe('shop')
      expect((await again.issuer.getKeys('shop')).pubSigKey).toEqual(pubSigKey)
      await again.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses a wrong old password with KeyringError and changes nothing', async () => {
    const dir = await tempDir()
    try {
      await (await startIssuer({ dir })).close()
      const store = createSqliteStore({ path: join(dir, 'keys.db') })
      const before = await store.getMeta('keyring')
      const refusal = await rekeyStore(store, 'not the password at all', NEW_PASSWORD).catch((err: unknown) => err)
      expect(refusal).toBeInstanceOf(KeyringError)
      expect((refusal as KeyringError).code).toBe('wrong_password')
      expect(await store.getMeta('keyring')).toBe(before)
      await store.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('answers false on a store that was never initialised, writing nothing', async () => {
    const dir = await tempDir()
    try {
      const store = createSqliteStore({ path: join(dir, 'keys.db') })
      expect(await rekeyStore(store, PASSWORD, NEW_PASSWORD)).toBe(false)
      expect(await store.getMeta('keyring')).toBeUndefined()
      await store.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
