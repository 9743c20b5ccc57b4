import { describe, expect, it } from 'vitest'
import { freshnessLifetime } from '../../src/jwks/freshness.js'

const policy = { defaultMaxAgeMs: 600_000, cooldownMs: 30_000 }
const lifetime = (headers: Record<string, string>): number => freshnessLifetime(new Headers(headers), policy)

describe('freshnessLifetime', () => {
  it('honours max-age between 1 s and 24 h', () => {
    expect(lifetime({ 'cache-control': 'public, max-age=300' })).toBe(300_000)
    expect(lifetime({ 'cache-control': 'max-age=0' })).toBe(1000)
    expect(lifetime({ 'cache-control': 'max-age=31536000' })).toBe(86_400_000)
    expect(lifetime({ 'cache-control': 'max-age="120"' })).toBe(120_000)
  })

  it('takes the Age of a response served by an intermediate cache off max-age', () => {
    expect(lifetime({ 'cache-control': 'max-age=300', age: '100' })).toBe(200_000)
    expect(lifetime({ 'cache-control': 'max-age=300', age: '900' })).toBe(1000)
  })

  it('refetches at the next window for no-store and no-cache', () => {
    expect(lifetime({ 'cache-control': 'no-store' })).toBe(30_000)
    expect(lifetime({ 'cache-control': 'max-age=3600, no-cache' })).toBe(30_000)
    expect(freshnessLifetime(new Headers({ 'cache-control': 'no-store' }), { ...policy, cooldownMs: 0 })).toBe(1000)
  })

  it('uses the default max age without a usable max-age', () => {
    expect(lifetime({})).toBe(600_000)
    expect(lifetime({ 'cache-control': 'public' })).toBe(600_000)
    expect(lifetime({ 'cache-control': 'max-age=-5' })).toBe(600_000)
    expect(lifetime({ 'cache-control': 'max-age=soon' })).toBe(600_000)
    expect(lifetime({ 'cache-control': 's-maxage=60' })).toBe(600_000)
  })
})
