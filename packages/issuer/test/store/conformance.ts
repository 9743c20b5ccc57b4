/**
 * The behaviour every Store implementation must have. Each backend's test file calls
 * `describeStoreConformance` with a function that opens a fresh, empty store.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ClientRecord, FamilyRecord, KeyRecord, Store } from '../../src/store/contract.js'
import { HOUR, makeClient, makeFamily, makeKey, T0 } from './records.js'

/** A fresh, empty store and how to dispose of it. */
export interface OpenedStore {
  store: Store
  cleanup: () => Promise<void>
}

/** A client with a current and a next signing key and a current encryption key. */
function clientWithKeys(kid: string, createdAt = T0): { client: ClientRecord; keys: KeyRecord[] } {
  return {
    client: makeClient(kid, { createdAt }),
    keys: [
      makeKey(kid, 'sig', 'current', { createdAt }),
      makeKey(kid, 'sig', 'next', { createdAt: createdAt + 1 }),
      makeKey(kid, 'enc', 'current', { createdAt: createdAt + 2 }),
    ],
  }
}

const byId = (keys: readonly KeyRecord[]): string[] => keys.map((k) => k.id)

/**
 * Declares the conformance suite of a Store implementation.
 *
 * @param name - Shown in the suite title, e.g. `sqlite`.
 * @param open - Opens a fresh, empty store; `init()` is called by the suite.
 */
export function describeStoreConformance(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store
    let cleanup: () => Promise<void>

    beforeEach(async () => {
      ;({ store, cleanup } = await open())
      await store.init()
    })
    afterEach(async () => {
      await cleanup()
    })

    async function addClient(kid: string, createdAt = T0): Promise<{ client: ClientRecord; keys: KeyRecord[] }> {
      const made = clientWithKeys(kid, createdAt)
      expect(await store.insertClient(made.client, made.keys)).toBe(true)
      return made
    }

    describe('lifecycle and meta', () => {
      it('init is idempotent and the store answers ping', async () => {
        await store.init()
        await store.setMeta({ a: '1' })
        await store.init()
        expect(await store.getMeta('a')).toBe('1')
        expect(await store.ping()).toBe(true)
        expect(typeof store.kind).toBe('string')
      })

      it('getMeta of an unknown name is undefined', async () => {
        expect(await store.getMeta('nothing-here')).toBeUndefined()
      })

      it('setMeta sets several entries and overwrites', async () => {
        await store.setMeta({ keyring: 'k1', admin: 'h1' })
        await store.setMeta({ admin: 'h2' })
        expect(await store.getMeta('keyring')).toBe('k1')
        expect(await store.getMeta('admin')).toBe('h2')
      })

      it('initMeta writes all entries only when none exists', async () => {
        expect(await store.initMeta({ keyring: 'k1', admin: 'h1' })).toBe(true)
        expect(await store.getMeta('keyring')).toBe('k1')
        expect(await store.initMeta({ fresh: 'x', admin: 'h2' })).toBe(false)
        expect(await store.getMeta('admin')).toBe('h1')
        expect(await store.getMeta('fresh')).toBeUndefined()
      })

      it('concurrent initMeta of the same entry: exactly one wins', async () => {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.initMeta({ keyring: `k${i}` })),
        )
        expect(results.filter(Boolean)).toHaveLength(1)
        const winner = results.indexOf(true)
        expect(await store.getMeta('keyring')).toBe(`k${winner}`)
      })

      it('after close, calls reject and ping is false', async () => {
        await store.close()
        await expect(store.getMeta('a')).rejects.toThrow()
        await expect(store.setMeta({ a: '1' })).rejects.toThrow()
        const { client, keys } = clientWithKeys('late')
        await expect(store.insertClient(client, keys)).rejects.toThrow()
        await expect(store.listKeys()).rejects.toThrow()
        await expect(store.getFamily('x')).rejects.toThrow()
        expect(await store.ping()).toBe(false)
        await store.close()
      })
    })

    describe('clients', () => {
      it('inserts a client with its keys and reads it back', async () => {
        const { client, keys } = await addClient('shop')
        expect(await store.getClient('shop')).toEqual(client)
        expect(await store.listKeys({ clientKid: 'shop' })).toEqual(keys)
      })

      it('keeps a client row without a MAC, and sets one later', async () => {
        const client = makeClient('legacy', { mac: undefined })
        expect(await store.insertClient(client, [])).toBe(true)
        expect((await store.getClient('legacy'))?.mac).toBeUndefined()
        expect(await store.setClientMac('legacy', 'the-mac')).toBe(true)
        expect(await store.getClient('legacy')).toEqual({ ...client, mac: 'the-mac' })
        expect(await store.setClientMac('nobody', 'the-mac')).toBe(false)
      })

      it('refuses a duplicate kid and changes nothing', async () => {
        const { client, keys } = await addClient('shop')
        const again = clientWithKeys('shop', T0 + 5)
        expect(await store.insertClient(again.client, again.keys)).toBe(false)
        expect(await store.getClient('shop')).toEqual(client)
        expect(byId(await store.listKeys({ clientKid: 'shop' }))).toEqual(byId(keys))
      })

      it('adds a client and its keys all or none', async () => {
        const first = await addClient('shop')
        const second = makeClient('blog')
        const clash = makeKey('blog', 'sig', 'current', { id: first.keys[0]!.id })
        await expect(store.insertClient(second, [makeKey('blog', 'enc', 'current'), clash])).rejects.toThrow()
        expect(await store.getClient('blog')).toBeUndefined()
        expect(await store.listKeys({ clientKid: 'blog' })).toEqual([])
      })

      it('finds a client by its token hash', async () => {
        const { client } = await addClient('shop')
        await addClient('blog')
        expect(await store.findClientByTokenHash(client.tokenHash)).toEqual(client)
        expect(await store.findClientByTokenHash('0'.repeat(64))).toBeUndefined()
      })

      it('lists clients oldest first', async () => {
        await addClient('b', T0 + 10)
        await addClient('a', T0 + 20)
        await addClient('c', T0)
        expect((await store.listClients()).map((c) => c.kid)).toEqual(['c', 'b', 'a'])
      })

      it('deletes a client with its keys and families, and only those', async () => {
        await addClient('shop')
        const other = await addClient('blog')
        await store.insertFamily(makeFamily('shop', 'alice'))
        const kept = makeFamily('blog', 'alice')
        await store.insertFamily(kept)
        const doomed = makeFamily('shop', 'bob')
        await store.insertFamily(doomed)

        expect(await store.deleteClient('shop')).toBe(true)
        expect(await store.getClient('shop')).toBeUndefined()
        expect(await store.listKeys({ clientKid: 'shop' })).toEqual([])
        expect(await store.getFamily(doomed.id)).toBeUndefined()
        expect(await store.getFamily(kept.id)).toEqual(kept)
        expect(byId(await store.listKeys())).toEqual(byId(other.keys))
        expect(await store.deleteClient('shop')).toBe(false)
      })
    })

    describe('keys', () => {
      it('inserts a key once; a duplicate id is refused', async () => {
        await addClient('shop')
        const key = makeKey('shop', 'enc', 'next', { createdAt: T0 + 100 })
        expect(await store.insertKey(key)).toBe(true)
        expect(await store.insertKey({ ...key, alg: 'RSA-OAEP' })).toBe(false)
        const stored = (await store.listKeys({ clientKid: 'shop' })).find((k) => k.id === key.id)
        expect(stored).toEqual(key)
      })

      it('refuses a key of an unknown client', async () => {
        await expect(store.insertKey(makeKey('ghost', 'sig', 'next'))).rejects.toThrow()
      })

      it('filters by client and by states, oldest first', async () => {
        const shop = await addClient('shop', T0)
        const blog = await addClient('blog', T0 + 1000)
        const retired = makeKey('shop', 'sig', 'retired', { createdAt: T0 - 50, retireUntil: T0 + HOUR })
        expect(await store.insertKey(retired)).toBe(true)

        expect(byId(await store.listKeys())).toEqual([retired.id, ...byId(shop.keys), ...byId(blog.keys)])
        expect(byId(await store.listKeys({ clientKid: 'blog' }))).toEqual(byId(blog.keys))
        expect(byId(await store.listKeys({ states: ['current'] }))).toEqual(
          [...shop.keys, ...blog.keys].filter((k) => k.state === 'current').map((k) => k.id),
        )
        expect(byId(await store.listKeys({ clientKid: 'shop', states: ['next', 'retired'] }))).toEqual([
          retired.id,
          shop.keys[1]!.id,
        ])
        expect(await store.listKeys({ clientKid: 'nobody' })).toEqual([])
      })

      it('rotates: current retires, next becomes current, a new next arrives', async () => {
        const { keys } = await addClient('shop')
        const [current, next, enc] = keys as [KeyRecord, KeyRecord, KeyRecord]
        const newNext = makeKey('shop', 'sig', 'next', { createdAt: T0 + HOUR })
        const won = await store.rotateKeys({
          clientKid: 'shop',
          use: 'sig',
          expectCurrentId: current.id,
          promoteId: next.id,
          activatedAt: T0 + HOUR,
          expiresAt: T0 + 100 * HOUR,
          retireUntil: T0 + 2 * HOUR,
          publishUntil: T0 + HOUR + 900_000,
          newNext,
        })
        expect(won).toBe(true)
        const after = await store.listKeys({ clientKid: 'shop' })
        expect(after).toEqual([
          { ...current, state: 'retired', retireUntil: T0 + 2 * HOUR, publishUntil: T0 + HOUR + 900_000 },
          { ...next, state: 'current', activatedAt: T0 + HOUR, expiresAt: T0 + 100 * HOUR },
          enc,
          newNext,
        ])
      })

      it('rotates without a new next key', async () => {
        const { keys } = await addClient('shop')
        const [current, next] = keys as [KeyRecord, KeyRecord]
        const rotation = {
          clientKid: 'shop',
          use: 'sig' as const,
          expectCurrentId: current.id,
          promoteId: next.id,
          activatedAt: T0 + HOUR,
          expiresAt: T0 + 100 * HOUR,
          retireUntil: T0 + 2 * HOUR,
          publishUntil: T0 + HOUR,
        }
        expect(await store.rotateKeys(rotation)).toBe(true)
        expect(byId(await store.listKeys({ clientKid: 'shop', states: ['next'] }))).toEqual([])
        expect(byId(await store.listKeys({ clientKid: 'shop', states: ['current'] }))).toContain(next.id)
      })

      it('a rotation with a stale current id loses and changes nothing', async () => {
        const { keys } = await addClient('shop')
        const [current, next] = keys as [KeyRecord, KeyRecord]
        const first = makeKey('shop', 'sig', 'next', { createdAt: T0 + HOUR })
        const base = { clientKid: 'shop', use: 'sig' as const, activatedAt: T0 + HOUR, expiresAt: T0 + 99 * HOUR }
        expect(
          await store.rotateKeys({
            ...base,
            expectCurrentId: current.id,
            promoteId: next.id,
            retireUntil: T0 + 2 * HOUR,
            publishUntil: T0 + HOUR,
            newNext: first,
          }),
        ).toBe(true)
        const before = await store.listKeys()
        const stale = await store.rotateKeys({
          ...base,
          expectCurrentId: current.id,
          promoteId: first.id,
          retireUntil: T0 + 3 * HOUR,
          publishUntil: T0 + 2 * HOUR,
          newNext: makeKey('shop', 'sig', 'next', { createdAt: T0 + 2 * HOUR }),
        })
        expect(stale).toBe(false)
        expect(await store.listKeys()).toEqual(before)
      })

      it('a rotation whose promoted key is not the next one fails and changes nothing', async () => {
        const { keys } = await addClient('shop')
        const [current, , enc] = keys as [KeyRecord, KeyRecord, KeyRecord]
        const before = await store.listKeys()
        await expect(
          store.rotateKeys({
            clientKid: 'shop',
            use: 'sig',
            expectCurrentId: current.id,
            promoteId: enc.id,
            activatedAt: T0 + HOUR,
            expiresAt: T0 + 99 * HOUR,
            retireUntil: T0 + 2 * HOUR,
            publishUntil: T0 + HOUR,
            newNext: makeKey('shop', 'sig', 'next'),
          }),
        ).rejects.toThrow()
        expect(await store.listKeys()).toEqual(before)
      })

      it('concurrent rotations from the same current key: exactly one wins', async () => {
        const { keys } = await addClient('shop')
        const [current, next] = keys as [KeyRecord, KeyRecord]
        const candidates = Array.from({ length: 20 }, (_, i) =>
          makeKey('shop', 'sig', 'next', { createdAt: T0 + HOUR + i }),
        )
        const results = await Promise.all(
          candidates.map((newNext) =>
            store.rotateKeys({
              clientKid: 'shop',
              use: 'sig',
              expectCurrentId: current.id,
              promoteId: next.id,
              activatedAt: T0 + HOUR,
              expiresAt: T0 + 99 * HOUR,
              retireUntil: T0 + 2 * HOUR,
              publishUntil: T0 + HOUR,
              newNext,
            }),
          ),
        )
        expect(results.filter(Boolean)).toHaveLength(1)
        const winner = candidates[results.indexOf(true)]!
        expect(byId(await store.listKeys({ clientKid: 'shop', states: ['next'] }))).toEqual([
          winner.id,
        ])
        expect(byId(await store.listKeys({ clientKid: 'shop', states: ['current'] }))).toHaveLength(2)
      })

      it('refuses a second next key of one client and use; other uses and clients are apart', async () => {
        await addClient('shop')
        await addClient('blog')
        expect(await store.insertKey(makeKey('shop', 'sig', 'next', { createdAt: T0 + 10 }))).toBe(false)
        expect(await store.insertKey(makeKey('shop', 'enc', 'next', { createdAt: T0 + 10 }))).toBe(true)
        expect(await store.insertKey(makeKey('blog', 'enc', 'next', { createdAt: T0 + 10 }))).toBe(true)
        expect(await store.insertKey(makeKey('shop', 'sig', 'retired', { retireUntil: T0 + HOUR }))).toBe(true)
        expect(byId(await store.listKeys({ clientKid: 'shop', states: ['next'] }))).toHaveLength(2)
      })

      it('20 concurrent next keys of one client and use: exactly one is added', async () => {
        await addClient('shop')
        const keys = Array.from({ length: 20 }, (_, i) => makeKey('shop', 'enc', 'next', { createdAt: T0 + i }))
        const results = await Promise.all(keys.map((key) => store.insertKey(key)))
        expect(results.filter(Boolean)).toHaveLength(1)
        const winner = keys[results.indexOf(true)]!
        expect(byId((await store.listKeys({ clientKid: 'shop', states: ['next'] })).filter((k) => k.use === 'enc'))).toEqual([
          winner.id,
        ])
      })

      it('purges retired keys whose retireUntil has passed, and nothing else', async () => {
        const { keys } = await addClient('shop')
        const gone = makeKey('shop', 'sig', 'retired', { retireUntil: T0 + HOUR })
        const edge = makeKey('shop', 'sig', 'retired', { retireUntil: T0 + 2 * HOUR })
        const kept = makeKey('shop', 'sig', 'retired', { retireUntil: T0 + 3 * HOUR })
        for (const key of [gone, edge, kept]) expect(await store.insertKey(key)).toBe(true)

        expect(await store.purgeRetiredKeys(T0 + 2 * HOUR)).toBe(2)
        expect(byId(await store.listKeys({ clientKid: 'shop' })).sort()).toEqual([...byId(keys), kept.id].sort())
        expect(await store.purgeRetiredKeys(T0 + 2 * HOUR)).toBe(0)
      })
    })

    describe('families', () => {
      beforeEach(async () => {
        await addClient('shop')
        await addClient('blog')
      })

      it('inserts and reads a family; an unknown id is undefined', async () => {
        const family = makeFamily('shop', 'alice')
        await store.insertFamily(family)
        expect(await store.getFamily(family.id)).toEqual(family)
        expect(await store.getFamily(randomUUID())).toBeUndefined()
      })

      it('keeps the optional fields', async () => {
        const family = makeFamily('shop', 'alice', {
          generation: 3,
          prevJti: 'previous',
          supersededAt: T0 + 5,
          revokedAt: T0 + 6,
        })
        await store.insertFamily(family)
        expect(await store.getFamily(family.id)).toEqual(family)
      })

      it('refuses a duplicate family id and a family of an unknown client', async () => {
        const family = makeFamily('shop', 'alice')
        await store.insertFamily(family)
        await expect(store.insertFamily({ ...family, sub: 'mallory' })).rejects.toThrow()
        expect(await store.getFamily(family.id)).toEqual(family)
        await expect(store.insertFamily(makeFamily('ghost', 'alice'))).rejects.toThrow()
      })

      it('advances a family by compare-and-set on its jti', async () => {
        const family = makeFamily('shop', 'alice')
        await store.insertFamily(family)
        const advanced = await store.advanceFamily(family.id, family.jti, {
          jti: 'second',
          expiresAt: T0 + 80 * HOUR,
          at: T0 + HOUR,
        })
        const expected: FamilyRecord = {
          ...family,
          jti: 'second',
          generation: 2,
          prevJti: family.jti,
          supersededAt: T0 + HOUR,
          expiresAt: T0 + 80 * HOUR,
        }
        expect(advanced).toEqual(expected)
        expect(await store.getFamily(family.id)).toEqual(expected)

        const stale = await store.advanceFamily(family.id, family.jti, { jti: 'third', expiresAt: T0, at: T0 + 2 * HOUR })
        expect(stale).toBeUndefined()
        expect(await store.getFamily(family.id)).toEqual(expected)
        expect(await store.advanceFamily(randomUUID(), family.jti, { jti: 'x', expiresAt: T0, at: T0 })).toBeUndefined()
      })

      it('an advance never slides past the family maximum', async () => {
        const family = makeFamily('shop', 'alice')
        await store.insertFamily(family)
        const advanced = await store.advanceFamily(family.id, family.jti, {
          jti: 'second',
          expiresAt: family.maxExpiresAt + HOUR,
          at: T0 + HOUR,
        })
        expect(advanced?.expiresAt).toBe(family.maxExpiresAt)
      })

      it('50 concurrent advances of the same jti: exactly one wins', async () => {
        const family = makeFamily('shop', 'alice')
        await store.insertFamily(family)
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            store.advanceFamily(family.id, family.jti, { jti: `next-${i}`, expiresAt: T0 + 80 * HOUR, at: T0 + i }),
          ),
        )
        const winners = results.filter((r) => r !== undefined)
        expect(winners).toHaveLength(1)
        const stored = await store.getFamily(family.id)
        expect(stored).toEqual(winners[0])
        expect(stored?.generation).toBe(2)
        expect(stored?.prevJti).toBe(family.jti)
      })

      it('a revoked family cannot advance or extend', async () => {
        const family = makeFamily('shop', 'alice')
        await store.insertFamily(family)
        expect(await store.revokeFamily(family.id, T0 + HOUR)).toBe(true)
        expect(await store.advanceFamily(family.id, family.jti, { jti: 'x', expiresAt: T0, at: T0 })).toBeUndefined()
        expect(await store.extendFamily(family.id, family.jti, T0 + 99 * HOUR)).toBe(false)
        expect(await store.getFamily(family.id)).toEqual({ ...family, revokedAt: T0 + HOUR })
      })

      it('extends the current generation only, capped at the family maximum', async () => {
        const family = makeFamily('shop', 'alice')
        await store.insertFamily(family)
        expect(await store.extendFamily(family.id, family.jti, T0 + 90 * HOUR)).toBe(true)
        expect((await store.getFamily(family.id))?.expiresAt).toBe(T0 + 90 * HOUR)
        expect(await store.extendFamily(family.id, 'not-the-jti', T0 + 95 * HOUR)).toBe(false)
        expect(await store.extendFamily(randomUUID(), family.jti, T0 + 95 * HOUR)).toBe(false)
        expect(await store.extendFamily(family.id, family.jti, family.maxExpiresAt + HOUR)).toBe(true)
        expect(await store.getFamily(family.id)).toEqual({ ...family, expiresAt: family.maxExpiresAt })
      })

      it('revokes a family once; revocation is permanent', async () => {
        const family = makeFamily('shop', 'alice')
        await store.insertFamily(family)
        expect(await store.revokeFamily(family.id, T0 + HOUR)).toBe(true)
        expect(await store.revokeFamily(family.id, T0 + 2 * HOUR)).toBe(false)
        expect((await store.getFamily(family.id))?.revokedAt).toBe(T0 + HOUR)
        expect(await store.revokeFamily(randomUUID(), T0)).toBe(false)
      })

      it("revokes every live family of one client's subject, and only those", async () => {
        const a1 = makeFamily('shop', 'alice')
        const a2 = makeFamily('shop', 'alice')
        const already = makeFamily('shop', 'alice', { revokedAt: T0 + 1 })
        const bob = makeFamily('shop', 'bob')
        const elsewhere = makeFamily('blog', 'alice')
        for (const f of [a1, a2, already, bob, elsewhere]) await store.insertFamily(f)

        expect(await store.revokeSubject('shop', 'alice', T0 + HOUR)).toBe(2)
        expect((await store.getFamily(a1.id))?.revokedAt).toBe(T0 + HOUR)
        expect((await store.getFamily(a2.id))?.revokedAt).toBe(T0 + HOUR)
        expect(await store.getFamily(already.id)).toEqual(already)
        expect(await store.getFamily(bob.id)).toEqual(bob)
        expect(await store.getFamily(elsewhere.id)).toEqual(elsewhere)
        expect(await store.revokeSubject('shop', 'alice', T0 + 2 * HOUR)).toBe(0)
      })

      it('purges families past their maximum lifetime', async () => {
        const gone = makeFamily('shop', 'alice', { maxExpiresAt: T0 + HOUR })
        const edge = makeFamily('shop', 'bob', { maxExpiresAt: T0 + 2 * HOUR, revokedAt: T0 })
        const kept = makeFamily('blog', 'carol', { maxExpiresAt: T0 + 3 * HOUR })
        for (const f of [gone, edge, kept]) await store.insertFamily(f)

        expect(await store.purgeFamilies(T0 + 2 * HOUR)).toBe(2)
        expect(await store.getFamily(gone.id)).toBeUndefined()
        expect(await store.getFamily(edge.id)).toBeUndefined()
        expect(await store.getFamily(kept.id)).toEqual(kept)
        expect(await store.purgeFamilies(T0 + 2 * HOUR)).toBe(0)
      })
    })
  })
}
