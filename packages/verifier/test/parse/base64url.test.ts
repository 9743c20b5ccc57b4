import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  decodeBase64Url,
  encodeBase64Url,
  hasCanonicalEnd,
  isCanonicalBase64Url,
} from '../../src/parse/base64url.js'

describe('base64url', () => {
  it('round-trips every length against Buffer', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = randomBytes(length)
      const text = Buffer.from(bytes).toString('base64url')
      expect(encodeBase64Url(bytes)).toBe(text)
      expect(Buffer.from(decodeBase64Url(text))).toEqual(bytes)
      expect(isCanonicalBase64Url(text)).toBe(true)
      expect(hasCanonicalEnd(text, 0, text.length)).toBe(true)
    }
  })

  it('refuses padding, whitespace, the base64 alphabet and other characters', () => {
    for (const text of ['YQ==', 'YW Jj', 'YW\nJj', 'ab+c', 'ab/c', 'ab.c', 'abc\u00e9', 'abcé']) {
      expect(isCanonicalBase64Url(text), text).toBe(false)
    }
    expect(() => decodeBase64Url('ab+c')).toThrow(TypeError)
    expect(() => decodeBase64Url('abc\u0100')).toThrow(TypeError)
  })

  it('refuses an impossible length', () => {
    expect(isCanonicalBase64Url('abcde')).toBe(false)
    expect(hasCanonicalEnd('abcde', 0, 5)).toBe(false)
    expect(() => decodeBase64Url('abcde')).toThrow(TypeError)
  })

  it('refuses non-zero trailing bits, which would give one byte string several encodings', () => {
    // 'YQ' is the canonical 'a'; 'YR'..'Yf' decode to the same byte with stray low bits.
    expect(isCanonicalBase64Url('YQ')).toBe(true)
    for (const text of ['YR', 'YS', 'Yf']) {
      expect(Buffer.from(text, 'base64url').toString()).toBe('a')
      expect(isCanonicalBase64Url(text), text).toBe(false)
      expect(hasCanonicalEnd(text, 0, 2)).toBe(false)
    }
    // Two bytes: three characters, the last carrying two stray bits at most.
    expect(isCanonicalBase64Url('YWI')).toBe(true)
    expect(isCanonicalBase64Url('YWJ')).toBe(false)
  })
})
