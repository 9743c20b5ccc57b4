import type { CryptoBackend, SignatureCheck } from '../backend/types.js'
import { VerifyError } from '../errors.js'
import type { KeyLookup, KeySource, ResolvedKey } from '../key-source.js'
import { type ParsedJws, createJwsParser } from '../parse/token.js'
import { isPromiseLike } from '../sources/settle.js'
import { isEcdsa, isEcdsaSignatureInRange } from './ecdsa.js'

/** Settings of {@link createJwsVerifier}. */
export interface JwsVerifierSettings {
  /** Longest token accepted, in characters. */
  maxTokenLength: number
  /** The alg allow-list. */
  algorithms: ReadonlySet<string>
  /** How the runtime decodes base64url. */
  backend: Pick<CryptoBackend, 'decodeText' | 'decodeBytes'>
}

/**
 * Verification below the claims, in two steps so that a JWT verifier can read the payload
 * in between (to route by `iss`, before any key is looked up).
 */
export interface JwsVerifier {
  /**
   * The compact form with canonical base64url in every part, the strict header and the
   * alg allow-list. The payload is left encoded: a JWS may carry any bytes.
   *
   * @throws VerifyError
   */
  parse(token: unknown): ParsedJws
  /**
   * The key `source` gives for the header's kid and alg, which must be for that alg; the
   * ECDSA range check; the signature. Returns (or resolves with) the key that verified.
   * Throws or rejects with a `VerifyError`, or with what a failing key source threw.
   */
  checkSignature(jws: ParsedJws, source: KeySource): ResolvedKey | Promise<ResolvedKey>
}

function signatureInvalid(): VerifyError {
  return new VerifyError('ERR_SIGNATURE_INVALID', 'the signature does not verify')
}

function rejectInvalid(): never {
  throw signatureInvalid()
}

/** Builds the signature level of verification; see {@link JwsVerifier}. */
export function createJwsVerifier(settings: JwsVerifierSettings): JwsVerifier {
  const { algorithms } = settings
  const { decodeText, decodeBytes } = settings.backend
  const parseJws = createJwsParser({ maxLength: settings.maxTokenLength, decodeText })

  const verifyWith = (jws: ParsedJws, resolved: ResolvedKey): ResolvedKey | Promise<ResolvedKey> => {
    const alg = jws.header.alg
    const check = resolved.key as SignatureCheck
    if (resolved.alg !== alg || typeof check !== 'function') {
      throw new VerifyError('ERR_ALG_NOT_ALLOWED', `the key source returned no key for ${alg}`)
    }
    const signature = decodeBytes(jws.signature)
    if (isEcdsa(alg) && !isEcdsaSignatureInRange(alg, signature)) throw signatureInvalid()
    let verified: boolean | Promise<boolean>
    try {
      verified = check(jws.signingInput, signature)
    } catch {
      verified = false
    }
    if (verified === true) return resolved
    if (verified === false) throw signatureInvalid()
    return verified.then((valid) => (valid ? resolved : rejectInvalid()), rejectInvalid)
  }

  return {
    parse(token) {
      const jws = parseJws(token)
      if (!algorithms.has(jws.header.alg)) throw new VerifyError('ERR_ALG_NOT_ALLOWED', "the token's alg is not allowed")
      return jws
    },
    checkSignature(jws, source) {
      // The header has been checked to carry a string alg and an optional string kid.
      const found = source.getKey(jws.header as KeyLookup)
      return isPromiseLike(found) ? found.then((resolved) => verifyWith(jws, resolved)) : verifyWith(jws, found)
    },
  }
}
