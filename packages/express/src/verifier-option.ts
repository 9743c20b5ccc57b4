import { createVerifier, type Verifier, type VerifierOptions } from '@jwtis/verifier'

/** A verifier built once and shared, or the options to build one. */
export type VerifierInput = Verifier | VerifierOptions

/** Where the middleware's verifier comes from: an existing one, or options for a new one. */
export type VerifierSource = { verifier: Verifier } | VerifierOptions

function isVerifier(value: unknown): value is Verifier {
  return typeof value === 'object' && value !== null && typeof (value as Verifier).verify === 'function'
}

/**
 * The verifier given, or a new one built from options (which throws `TypeError` when they
 * are bad). Built here, it remembers verified tokens until they expire (`tokenCache: true`)
 * unless the options say otherwise: an API sees each user's token again and again, and a
 * hit skips the signature check.
 */
export function resolveVerifier(source: VerifierSource | VerifierInput, where: string): Verifier {
  if (typeof source !== 'object' || source === null) throw new TypeError(`${where}: a verifier or verifier options are required`)
  if (isVerifier(source)) return source
  if ('verifier' in source) {
    if (!isVerifier(source.verifier)) throw new TypeError(`${where}: verifier must be made by createVerifier`)
    return source.verifier
  }
  return createVerifier(source.tokenCache === undefined ? { ...source, tokenCache: true } : source)
}
