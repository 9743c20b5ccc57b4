import { VerifyError } from '../errors.js'

// Messages name no kid: it comes from the token, and the token's content stays out of errors.

/** The token's kid (or, without a kid, a single fitting key) is not in the key set. */
export function kidUnknown(detail = 'no key of the set matches the token\'s kid'): VerifyError {
  return new VerifyError('ERR_KID_UNKNOWN', detail)
}

/** The token's kid names two different usable keys of the set, so neither is used. */
export function kidAmbiguous(): VerifyError {
  return new VerifyError('ERR_KID_AMBIGUOUS', 'the token\'s kid names two different keys of the set')
}

/** The alg is outside the allow-list, or does not fit the key the kid names. */
export function algNotAllowed(detail: string): VerifyError {
  return new VerifyError('ERR_ALG_NOT_ALLOWED', detail)
}

/** Nothing usable is cached and the keys could not be fetched. */
export function keysUnavailable(detail: string, cause?: unknown): VerifyError {
  return new VerifyError('ERR_KEYS_UNAVAILABLE', `keys unavailable: ${detail}`, { cause })
}
