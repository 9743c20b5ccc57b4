import { describe, expect, it } from 'vitest'
import { createVerifiedTokenCache } from '../../src/core/token-cache.js'
import type { KeySource, ResolvedKey } from '../../src/key-source.js'
import type { VerifyResult } from '../../src/types.js'

const source = { getKey: () => undefined as never, status: () => ({ loaded: true, fresh: true, keys: 1 }) } as KeySource
const other = { ...source } as KeySource
const keyOf = (kid: string | undefined): ResolvedKey => ({ alg: 'ES256', kid, key: {} })
const k = keyOf('k')
const result = (): VerifyResult => ({ payload: { sub: 'u', nested: { a: [1] } }, protectedHeader: { alg: 'ES256' } })

describe('createVerifiedTokenCache', () => {
  it('serves a remembered result until, but not at, its end', () => {
    const cache = createVerifiedTokenCache(10)
    const remembered = result()
    cache.add('t', remembered, source, k, 2000, 1000)
    expect(cache.get('t', 1999)).toBe(remembered)
    expect(cache.get('t', 2000)).toBeUndefined()
    expect(cache.get('t', 1500)).toBeUndefined()
  })

  it('freezes what it shares, deeply', () => {
    const cache = createVerifiedTokenCache(10)
    const remembered = result()
    cache.add('t', remembered, source, k, 2000, 1000)
    expect(Object.isFrozen(remembered.payload)).toBe(true)
    expect(Object.isFrozen((remembered.payload['nested'] as { a: number[] }).a)).toBe(true)
  })

  it('does not remember a result already past its end', () => {
    const cache = createVerifiedTokenCache(10)
    cache.add('t', result(), source, k, 1000, 1000)
    expect(cache.get('t', 999)).toBeUndefined()
  })

  it('is bounded, dropping the least recently used', () => {
    const cache = createVerifiedTokenCache(2)
    cache.add('a', result(), source, k, 9000, 0)
    cache.add('b', result(), source, k, 9000, 0)
    expect(cache.get('a', 1)).toBeDefined()
    cache.add('c', result(), source, k, 9000, 0)
    expect(cache.get('b', 1)).toBeUndefined()
    expect(cache.get('a', 1)).toBeDefined()
    expect(cache.get('c', 1)).toBeDefined()
  })

  it('drops the tokens of removed kids of that source only', () => {
    const cache = createVerifiedTokenCache(10)
    cache.add('a', result(), source, keyOf('k1'), 9000, 0)
    cache.add('b', result(), source, keyOf('k2'), 9000, 0)
    cache.add('c', result(), other, keyOf('k1'), 9000, 0)
    cache.dropKeys(source, ['k1'])
    expect(cache.get('a', 1)).toBeUndefined()
    expect(cache.get('b', 1)).toBeDefined()
    expect(cache.get('c', 1)).toBeDefined()
    cache.clear()
    expect(cache.get('b', 1)).toBeUndefined()
  })

  it('drops the tokens of a removed key without a kid, and only those', () => {
    const cache = createVerifiedTokenCache(10)
    const gone = keyOf(undefined)
    const staying = keyOf(undefined)
    cache.add('a', result(), source, gone, 9000, 0)
    cache.add('b', result(), source, staying, 9000, 0)
    cache.add('c', result(), other, gone, 9000, 0)
    cache.dropKeys(source, [])
    expect(cache.get('a', 1)).toBeDefined()
    cache.dropKeys(source, [], [gone])
    expect(cache.get('a', 1)).toBeUndefined()
    expect(cache.get('b', 1)).toBeDefined()
    expect(cache.get('c', 1)).toBeDefined()
  })
})
