import { describe, expect, it } from 'vitest'
import { createTypCheck } from '../../src/core/typ.js'

describe('createTypCheck', () => {
  it('treats at+jwt and application/at+jwt as one type, case-insensitively', () => {
    for (const expected of ['at+jwt', 'application/at+jwt', 'AT+JWT']) {
      const check = createTypCheck(expected)
      for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/AT+JWT']) expect(check(typ), typ).toBe(true)
      for (const typ of ['jwt', 'at+jwt ', 'application/jwt', 'text/at+jwt', 'application/at+jwt/x', undefined, 1]) {
        expect(check(typ), String(typ)).toBe(false)
      }
    }
  })

  it('needs the full type when the expected one has another prefix', () => {
    const check = createTypCheck('example/token')
    expect(check('example/token')).toBe(true)
    expect(check('token')).toBe(false)
  })
})
