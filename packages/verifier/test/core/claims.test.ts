import { describe, expect, it } from 'vitest'
import { type ClaimsPolicy, checkClaims } from '../../src/core/claims.js'
import { VerifyError, type VerifyErrorCode } from '../../src/errors.js'
import type { JwtPayload } from '../../src/types.js'

const NOW_MS = 1_700_000_000_000
const NOW = NOW_MS / 1000
const policy: ClaimsPolicy = {
  issuers: ['https://a.example', 'https://b.example'],
  audiences: ['shop', 'admin'],
  toleranceSec: 5,
  maxAgeSec: undefined,
  required: ['exp', 'iss', 'aud'],
}
const valid: JwtPayload = { iss: 'https://a.example', aud: 'shop', sub: 'u', iat: NOW - 10, nbf: NOW - 10, exp: NOW + 60 }

function check(payload: JwtPayload, overrides: Partial<ClaimsPolicy> = {}): void {
  checkClaims(payload, { ...policy, ...overrides }, NOW_MS)
}

/** Checks a payload the policy accepts: nothing thrown, nothing returned, the claims left as they were. */
function expectAccepted(payload: JwtPayload, overrides: Partial<ClaimsPolicy> = {}): void {
  const before = structuredClone(payload)
  expect(checkClaims(payload, { ...policy, ...overrides }, NOW_MS)).toBeUndefined()
  expect(payload).toEqual(before)
}

function expectFailure(payload: JwtPayload, code: VerifyErrorCode, claim: string, overrides: Partial<ClaimsPolicy> = {}): void {
  let error: unknown
  try {
    check(payload, overrides)
  } catch (err) {
    error = err
  }
  expect(error).toBeInstanceOf(VerifyError)
  expect((error as VerifyError).code).toBe(code)
  expect((error as VerifyError).claim).toBe(claim)
}

describe('checkClaims', () => {
  it('accepts a valid payload', () => {
    expectAccepted(valid)
    expectAccepted({ ...valid, iss: 'https://b.example', aud: ['other', 'admin'] })
  })

  it('requires exp, iss, aud and the configured claims', () => {
    for (const claim of ['exp', 'iss', 'aud']) expectFailure({ ...valid, [claim]: undefined }, 'ERR_CLAIM_MISSING', claim)
    expectFailure(valid, 'ERR_CLAIM_MISSING', 'jti', { required: [...policy.required, 'jti'] })
    expectAccepted({ ...valid, jti: 'x' }, { required: [...policy.required, 'jti'] })
  })

  it('checks iss exactly', () => {
    expectFailure({ ...valid, iss: 'https://a.example/' }, 'ERR_CLAIM_INVALID', 'iss')
    expectFailure({ ...valid, iss: 'HTTPS://A.EXAMPLE' }, 'ERR_CLAIM_INVALID', 'iss')
    expectFailure({ ...valid, iss: ['https://a.example'] as unknown as string }, 'ERR_CLAIM_INVALID', 'iss')
  })

  it('needs the audience to intersect, with only strings in an array', () => {
    expectFailure({ ...valid, aud: 'other' }, 'ERR_CLAIM_INVALID', 'aud')
    expectFailure({ ...valid, aud: [] }, 'ERR_CLAIM_INVALID', 'aud')
    expectFailure({ ...valid, aud: ['other', 'else'] }, 'ERR_CLAIM_INVALID', 'aud')
    expectFailure({ ...valid, aud: ['shop', 7] as unknown as string[] }, 'ERR_CLAIM_INVALID', 'aud')
    expectFailure({ ...valid, aud: { shop: true } as unknown as string }, 'ERR_CLAIM_INVALID', 'aud')
  })

  it('refuses a token at or past exp beyond the tolerance', () => {
    expectAccepted({ ...valid, exp: NOW - 4 })
    expectFailure({ ...valid, exp: NOW - 5 }, 'ERR_TOKEN_EXPIRED', 'exp')
    expectFailure({ ...valid, exp: NOW - 1 }, 'ERR_TOKEN_EXPIRED', 'exp', { toleranceSec: 0 })
    expectFailure({ ...valid, exp: NOW }, 'ERR_TOKEN_EXPIRED', 'exp', { toleranceSec: 0 })
  })

  it('needs exp, nbf and iat to be numbers', () => {
    for (const claim of ['exp', 'nbf', 'iat']) {
      expectFailure({ ...valid, [claim]: String(NOW) }, 'ERR_CLAIM_INVALID', claim)
    }
    expectFailure({ ...valid, exp: Number.POSITIVE_INFINITY }, 'ERR_CLAIM_INVALID', 'exp')
  })

  it('refuses nbf or iat in the future beyond the tolerance', () => {
    expectAccepted({ ...valid, nbf: NOW + 5, iat: NOW + 5 })
    expectFailure({ ...valid, nbf: NOW + 6 }, 'ERR_TOKEN_NOT_YET_VALID', 'nbf')
    expectFailure({ ...valid, iat: NOW + 6 }, 'ERR_TOKEN_NOT_YET_VALID', 'iat')
  })

  it('refuses a token older than the maximum age', () => {
    const aged = { ...policy, maxAgeSec: 60, required: [...policy.required, 'iat'] }
    expectAccepted({ ...valid, iat: NOW - 64 }, aged)
    expectFailure({ ...valid, iat: NOW - 66 }, 'ERR_TOKEN_TOO_OLD', 'iat', aged)
    expectFailure({ ...valid, iat: undefined }, 'ERR_CLAIM_MISSING', 'iat', aged)
  })

  it('needs sub and jti to be strings when present', () => {
    expectFailure({ ...valid, sub: 42 as unknown as string }, 'ERR_CLAIM_INVALID', 'sub')
    expectFailure({ ...valid, jti: {} as unknown as string }, 'ERR_CLAIM_INVALID', 'jti')
  })
})
