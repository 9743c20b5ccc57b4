import { describe, expect, it } from 'vitest'
import { DEFAULT_ASYMMETRIC_ALGORITHMS } from '../../src/algorithms.js'
import { resolveAlgorithms } from '../../src/core/algorithms-option.js'

const bytes = (length: number): Uint8Array => new Uint8Array(length).fill(7)

describe('resolveAlgorithms', () => {
  it('defaults to the asymmetric algs, or the HS algs the secret is long enough for', () => {
    expect(resolveAlgorithms(undefined, undefined, '')).toEqual([...DEFAULT_ASYMMETRIC_ALGORITHMS])
    expect(resolveAlgorithms(undefined, bytes(32), '')).toEqual(['HS256'])
    expect(resolveAlgorithms(undefined, bytes(48), '')).toEqual(['HS256', 'HS384'])
    expect(resolveAlgorithms(undefined, bytes(64), '')).toEqual(['HS256', 'HS384', 'HS512'])
  })

  it('never allows none, in any case', () => {
    for (const none of ['none', 'None', 'NONE']) expect(() => resolveAlgorithms([none], undefined, '')).toThrow(/never allowed/)
  })

  it('refuses unknown algs, empty lists and non-strings', () => {
    expect(() => resolveAlgorithms(['ES256K'], undefined, '')).toThrow(TypeError)
    expect(() => resolveAlgorithms(['es256'], undefined, '')).toThrow(TypeError)
    expect(() => resolveAlgorithms([], undefined, '')).toThrow(TypeError)
    expect(() => resolveAlgorithms('ES256', undefined, '')).toThrow(TypeError)
    expect(() => resolveAlgorithms([256], undefined, '')).toThrow(TypeError)
  })

  it('allows HS algs only with a secret, and a secret only with HS algs', () => {
    expect(() => resolveAlgorithms(['HS256'], undefined, '')).toThrow(/secret/)
    expect(() => resolveAlgorithms(['HS256', 'RS256'], bytes(32), '')).toThrow(/only HS256/)
  })

  it('refuses a secret shorter than the hash of an allowed HS alg', () => {
    expect(() => resolveAlgorithms(undefined, bytes(31), '')).toThrow(/31 bytes; HS256 needs at least 32/)
    expect(() => resolveAlgorithms(['HS384'], bytes(47), 'issuers[0].')).toThrow(/issuers\[0\]\.secret is 47 bytes/)
    expect(resolveAlgorithms(['HS512', 'HS512'], bytes(64), '')).toEqual(['HS512'])
  })
})
