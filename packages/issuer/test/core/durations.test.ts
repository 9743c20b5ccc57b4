import { describe, expect, it } from 'vitest'
import { GRACE_TTL_DEFAULT_MS, GRACE_TTL_MAX_MS, MAX_DURATION_MS, parseIssuerDuration } from '../../src/core/durations.js'
import { formatDuration } from '../../src/core/settings.js'

describe('parseIssuerDuration', () => {
  it('reads a number as integer seconds and a string as Go-style', () => {
    expect(parseIssuerDuration(90)).toBe(90_000)
    expect(parseIssuerDuration(0)).toBe(0)
    expect(parseIssuerDuration('1h30m')).toBe(5_400_000)
    expect(parseIssuerDuration(' 15m ')).toBe(900_000)
  })

  it('refuses a string without its unit, a fraction of a second count, and other types', () => {
    expect(parseIssuerDuration('90')).toBeUndefined()
    expect(parseIssuerDuration(1.5)).toBeUndefined()
    expect(parseIssuerDuration('soon')).toBeUndefined()
    expect(parseIssuerDuration(null)).toBeUndefined()
    expect(parseIssuerDuration({})).toBeUndefined()
  })
})

describe('the duration bounds', () => {
  it('are the ones the SPEC states', () => {
    expect(MAX_DURATION_MS).toBe(100 * 365 * 86_400_000)
    expect(formatDuration(GRACE_TTL_DEFAULT_MS)).toBe('10s')
    expect(formatDuration(GRACE_TTL_MAX_MS)).toBe('5m')
  })
})
