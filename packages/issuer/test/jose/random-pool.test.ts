import { describe, expect, it } from 'vitest'
import { randomBase64url, randomBytesPooled } from '../../src/jose/random-pool.js'

describe('random pool', () => {
  it('hands out values of the length asked, never the same twice, across refills of the pool', () => {
    // 700 draws of 16 bytes and 700 of 12 cross the 4 KiB pool's refill several times.
    const seen = new Set<string>()
    for (let i = 0; i < 700; i++) {
      const token = randomBase64url(16)
      expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/)
      seen.add(token)
      const bytes = randomBytesPooled(12)
      expect(bytes.length).toBe(12)
      seen.add(bytes.toString('hex'))
    }
    expect(seen.size).toBe(1400)
  })

  it('gives each value a buffer of its own, so zeroing one leaves the next untouched', () => {
    const first = randomBytesPooled(32)
    const copy = Buffer.from(first)
    first.fill(0)
    const second = randomBytesPooled(32)
    expect(second.equals(Buffer.alloc(32))).toBe(false)
    expect(second.equals(copy)).toBe(false)
    expect(first.buffer).not.toBe(second.buffer)
  })

  it('draws large values straight from the CSPRNG', () => {
    const large = randomBytesPooled(4097)
    expect(large.length).toBe(4097)
    expect(new Set(large).size).toBeGreaterThan(200)
    expect(randomBase64url(100)).toMatch(/^[A-Za-z0-9_-]{134}$/)
  })

  it('spreads its bytes evenly: each bit is set in about half of 20,000 draws', () => {
    const ones = new Array<number>(128).fill(0)
    for (let i = 0; i < 20_000; i++) {
      const value = randomBytesPooled(16)
      for (let bit = 0; bit < 128; bit++) if ((value[bit >> 3]! >> (bit & 7)) & 1) ones[bit]!++
    }
    // 20,000 fair coin flips per bit: one standard deviation is about 71, so 500 is 7 of them,
    // which a fair source exceeds on one of the 128 bits about once in 5e9 runs. A stuck bit
    // is 10,000 off; a bit set 53% of the time, 600.
    for (const count of ones) expect(Math.abs(count - 10_000)).toBeLessThan(500)
  })
})
