import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createClientTokenCache } from '../../src/core/client-token-cache.js'
import { KEY_CACHE_MAX_AGE } from '../../src/core/create-issuer.js'
import { hashSecret } from '../../src/crypto/secrets.js'
import { type CoreFixture, startIssuer } from './helpers.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('the client token cache', () => {
  it('keeps an entry for maxAge, then forgets it', () => {
    let t = 1000
    const cache = createClientTokenCache({ now: () => t, maxAge: 5000 })
    cache.set('aa', { kid: 'shop', tokenHash: 'aa' }, cache.mark())
    expect(cache.get('aa')?.kid).toBe('shop')
    t += 4999
    expect(cache.get('aa')?.kid).toBe('shop')
    t += 1
    expect(cache.get('aa')).toBeUndefined()
  })

  it('drops every entry of a removed kid, and refuses a row read before the removal', () => {
    const cache = createClientTokenCache({ now: () => 0, maxAge: 5000 })
    cache.set('aa', { kid: 'shop', tokenHash: 'aa' }, cache.mark())
    cache.set('bb', { kid: 'blog', tokenHash: 'bb' }, cache.mark())
    const before = cache.mark()
    cache.dropKid('shop')
    expect(cache.get('aa')).toBeUndefined()
    expect(cache.get('bb')?.kid).toBe('blog')
    cache.set('aa', { kid: 'shop', tokenHash: 'aa' }, before)
    expect(cache.get('aa')).toBeUndefined()
  })

  it('holds at most maxEntries, the oldest going first', () => {
    const cache = createClientTokenCache({ now: () => 0, maxAge: 5000, maxEntries: 2 })
    for (const hash of ['aa', 'bb', 'cc']) cache.set(hash, { kid: hash, tokenHash: hash }, cache.mark())
    expect(cache.get('aa')).toBeUndefined()
    expect(cache.get('bb')?.kid).toBe('bb')
    expect(cache.get('cc')?.kid).toBe('cc')
  })
})

describe('client authentication with the cache', () => {
  async function fixture(options: Parameters<typeof startIssuer>[0] = {}): Promise<CoreFixture> {
    const f = await startIssuer(options)
    cleanups.push(() => f.close())
    return f
  }

  it('stops at once on the instance that removed the client, and within the key-cache age on another', async () => {
    const a = await fixture()
    const { clientToken } = await a.issuer.registerClient('shop')
    // A second instance on the same store, with a clock of its own.
    const b = await fixture({ dir: a.dir, adminToken: undefined })
    expect(b.dbPath).toBe(join(a.dir, 'keys.db'))
    expect(await a.issuer.authenticateClient(clientToken)).toBe('shop')
    expect(await b.issuer.authenticateClient(clientToken)).toBe('shop')

    expect(await a.issuer.removeClient('shop')).toBe(true)
    expect(await a.issuer.authenticateClient(clientToken)).toBeUndefined()
    b.clock.advance(KEY_CACHE_MAX_AGE)
    expect(await b.issuer.authenticateClient(clientToken)).toBeUndefined()
  })

  it('answers a cached client only for its own token', async () => {
    const f = await fixture()
    const shop = await f.issuer.registerClient('shop')
    const blog = await f.issuer.registerClient('blog')
    expect(await f.issuer.authenticateClient(shop.clientToken)).toBe('shop')
    expect(await f.issuer.authenticateClient(blog.clientToken)).toBe('blog')
    expect(await f.issuer.authenticateClient(shop.clientToken)).toBe('shop')
    expect(await f.issuer.authenticateClient(`${shop.clientToken}x`)).toBeUndefined()
    expect(hashSecret(shop.clientToken)).not.toBe(hashSecret(blog.clientToken))
  })

  it('lets a kid registered again authenticate only with its new token', async () => {
    const f = await fixture()
    const first = await f.issuer.registerClient('shop')
    expect(await f.issuer.authenticateClient(first.clientToken)).toBe('shop')
    await f.issuer.removeClient('shop')
    const second = await f.issuer.registerClient('shop')
    expect(await f.issuer.authenticateClient(first.clientToken)).toBeUndefined()
    expect(await f.issuer.authenticateClient(second.clientToken)).toBe('shop')
  })
})
