/**
 * Assertions shared by the security suite: a forged token is refused with one of the
 * expected codes, through the one error class, and the error never repeats the token.
 */
import { expect } from 'vitest'
import { VerifyError, type VerifyErrorCode } from '../../../src/errors.js'

/** The codes that speak of the token's form, alg, header, key or signature (not its claims). */
export const NON_CLAIM_CODES: readonly VerifyErrorCode[] = Object.freeze([
  'ERR_TOKEN_MALFORMED',
  'ERR_TOKEN_TOO_LONG',
  'ERR_ALG_NOT_ALLOWED',
  'ERR_HEADER_UNSUPPORTED',
  'ERR_KID_UNKNOWN',
  'ERR_SIGNATURE_INVALID',
])

/**
 * Awaits `attempt` and asserts it failed with a `VerifyError` whose code is one of `codes`
 * and whose message contains none of the token's segments. Returns the error.
 */
export async function expectRejected(
  attempt: Promise<unknown>,
  codes: VerifyErrorCode | readonly VerifyErrorCode[],
  token?: string,
): Promise<VerifyError> {
  const allowed = typeof codes === 'string' ? [codes] : codes
  let error: unknown
  try {
    await attempt
  } catch (err) {
    error = err
  }
  if (error === undefined) {
    expect.fail(`the token was accepted; expected a rejection with ${allowed.join(' or ')}`)
  }
  expect(error, String(error)).toBeInstanceOf(VerifyError)
  const verifyError = error as VerifyError
  expect(allowed, `got ${verifyError.code}: ${verifyError.message}`).toContain(verifyError.code)
  if (token !== undefined) assertNoTokenIn(verifyError, token)
  return verifyError
}

/** Asserts the error's message and cause chain repeat no non-trivial segment of `token`. */
export function assertNoTokenIn(error: Error, token: string): void {
  const pieces = [token, ...token.split('.')].filter((piece) => piece.length >= 16)
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    for (const piece of pieces) expect(current.message).not.toContain(piece)
    current = current.cause
  }
}
