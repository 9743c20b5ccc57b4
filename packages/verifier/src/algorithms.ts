/** What a JWS algorithm needs of a key. */
export interface AlgorithmProfile {
  /** The JWK `kty` the alg works with. */
  kty: 'EC' | 'RSA' | 'OKP' | 'oct'
  /** The curve, for EC and OKP algs. */
  crv?: 'P-256' | 'P-384' | 'P-521' | 'Ed25519'
  /** The hash, as WebCrypto names it (absent for EdDSA). */
  hash?: 'SHA-256' | 'SHA-384' | 'SHA-512'
  /** Fewest key bytes: the hash length for HMAC secrets, the modulus for RSA (256 = 2048 bits). */
  minKeyBytes?: number
}

/** The JWS algorithms the verifier knows. `none` is not among them, on purpose. */
export const ALGORITHMS: Readonly<Record<string, AlgorithmProfile>> = Object.freeze({
  ES256: { kty: 'EC', crv: 'P-256', hash: 'SHA-256' },
  ES384: { kty: 'EC', crv: 'P-384', hash: 'SHA-384' },
  ES512: { kty: 'EC', crv: 'P-521', hash: 'SHA-512' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  Ed25519: { kty: 'OKP', crv: 'Ed25519' },
  RS256: { kty: 'RSA', hash: 'SHA-256', minKeyBytes: 256 },
  RS384: { kty: 'RSA', hash: 'SHA-384', minKeyBytes: 256 },
  RS512: { kty: 'RSA', hash: 'SHA-512', minKeyBytes: 256 },
  PS256: { kty: 'RSA', hash: 'SHA-256', minKeyBytes: 256 },
  PS384: { kty: 'RSA', hash: 'SHA-384', minKeyBytes: 256 },
  PS512: { kty: 'RSA', hash: 'SHA-512', minKeyBytes: 256 },
  HS256: { kty: 'oct', hash: 'SHA-256', minKeyBytes: 32 },
  HS384: { kty: 'oct', hash: 'SHA-384', minKeyBytes: 48 },
  HS512: { kty: 'oct', hash: 'SHA-512', minKeyBytes: 64 },
})

/** The asymmetric algorithms allowed when the options name none. */
export const DEFAULT_ASYMMETRIC_ALGORITHMS: readonly string[] = Object.freeze([
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
])

/** The profile of a known alg, or undefined (for `none` and every unknown name). */
export function algorithmProfile(alg: string): AlgorithmProfile | undefined {
  return Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined
}

/** True when a JWK's kty (and curve) fit the alg. Says nothing of RSA size. */
export function jwkFitsAlgorithm(jwk: { kty?: unknown; crv?: unknown }, alg: string): boolean {
  const profile = algorithmProfile(alg)
  if (profile === undefined || jwk.kty !== profile.kty) return false
  return profile.crv === undefined || jwk.crv === profile.crv
}
