import { isVerifyError, type VerifyError } from '@jwtis/verifier'
import { bearerError, type ChallengeOptions, unavailableError } from './challenge.js'
import type { AuthError } from './errors.js'

/** What the caller is told for each verification failure: fixed texts, never the token. */
function describe(err: VerifyError): string {
  switch (err.code) {
    case 'ERR_TOKEN_EXPIRED':
      return 'the token has expired'
    case 'ERR_TOKEN_NOT_YET_VALID':
      return 'the token is not valid yet'
    case 'ERR_TOKEN_TOO_OLD':
      return 'the token is too old'
    case 'ERR_CLAIM_INVALID':
    case 'ERR_CLAIM_MISSING':
      return err.claim === undefined ? 'the token has a claim that is not accepted' : `the token's ${err.claim} claim is not accepted`
    case 'ERR_TOKEN_TOO_LONG':
      return 'the token is too long'
    default:
      return 'the token is invalid'
  }
}

/**
 * Maps a rejection of `verifier.verify` to the refusal the client sees: keys that cannot be
 * had are a 503 (the token may be good: never a 401), every other verification failure a
 * 401 `invalid_token`. Anything that is not a `VerifyError` is a bug, rethrown as is.
 */
export function toAuthError(err: unknown, challenge: ChallengeOptions, retryAfter: number): AuthError {
  if (!isVerifyError(err)) throw err
  if (err.code === 'ERR_KEYS_UNAVAILABLE') return unavailableError('the keys to verify the token cannot be obtained; try again later', retryAfter, err)
  return bearerError('invalid_token', describe(err), challenge, err)
}
