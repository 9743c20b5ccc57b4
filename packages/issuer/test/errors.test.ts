import { describe, expect, it } from 'vitest'
import { parseCommandLine } from '../src/cli/options.js'
import { DEFAULTS } from '../src/core/defaults.js'
import { resolveClientConfig } from '../src/core/settings.js'
import { FIELD_API_NAMES, fieldProblem, IssuerError, invalidField } from '../src/errors.js'

function refusal(work: () => unknown): IssuerError {
  try {
    work()
  } catch (err) {
    expect(err).toBeInstanceOf(IssuerError)
    return err as IssuerError
  }
  throw new Error('nothing was refused')
}

describe('IssuerError.field', () => {
  it('names the setting at fault as the library does; the message names it as the API does', () => {
    const err = refusal(() => resolveClientConfig({ authTTL: 10 }, DEFAULTS))
    expect(err.code).toBe('invalid_request')
    expect(err.field).toBe('authTTL')
    expect(err.message).toBe('auth_ttl must be a duration from 1s to 720h')
    expect(fieldProblem(err)).toBe('must be a duration from 1s to 720h')
  })

  it('is set for bad alg names, bit sizes, the refresh lifetime and the strategy', () => {
    expect(refusal(() => resolveClientConfig({ sigAlg: '' }, DEFAULTS)).field).toBe('sigAlg')
    expect(refusal(() => resolveClientConfig({ encBits: -1 }, DEFAULTS)).field).toBe('encBits')
    const longer = refusal(() => resolveClientConfig({ refreshTTL: 800 * 3_600_000 }, DEFAULTS))
    expect([longer.field, longer.message]).toEqual(['refreshTTL', 'refresh_ttl may not exceed the family maximum lifetime (720h)'])
    const strategy = refusal(() => resolveClientConfig({ refreshStrategy: 'sometimes' as never }, DEFAULTS))
    expect(strategy.field).toBe('refreshStrategy')
    expect(strategy.message).toMatch(/^refresh_strategy must be one of /)
  })

  it('is undefined when the request as a whole is at fault', () => {
    const err = new IssuerError('invalid_request', 'an issue request needs claims')
    expect(err.field).toBeUndefined()
    expect(fieldProblem(err)).toBe('an issue request needs claims')
  })

  it('has an API name for every field', () => {
    for (const [field, name] of Object.entries(FIELD_API_NAMES)) {
      expect(invalidField(field as keyof typeof FIELD_API_NAMES, 'is wrong').message).toBe(`${name} is wrong`)
    }
  })
})

describe('the CLI names a bad default by its flag or variable', () => {
  it('-r/--refreshTTL beyond the family lifetime', () => {
    expect(() => parseCommandLine(['--refreshTTL', '800h'], {})).toThrow(
      /^-r\/--refreshTTL may not exceed the family maximum lifetime \(720h\) \(see jwtis --help\)$/,
    )
  })

  it('JWTIS_REFRESH_TTL when the value came from the environment', () => {
    expect(() => parseCommandLine([], { JWTIS_REFRESH_TTL: '800h' })).toThrow(/^JWTIS_REFRESH_TTL may not exceed/)
  })
})
