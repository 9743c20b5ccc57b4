import type { RefreshStrategy } from '../store/contract.js'

/** The server-wide settings that fill whatever a client registration leaves out. */
export interface IssuerDefaults {
  /** JWS alg of new signing keys. Default `ES256`. */
  sigAlg: string
  /** RSA modulus length in bits for RS and PS algs. Default: none (ES256 needs none). */
  sigBits?: number | undefined
  /** JWE key-management alg of new encryption keys. Default `ECDH-ES+A256KW`. */
  encAlg: string
  /** RSA modulus length, or EC curve size (256, 384, 521), of new encryption keys. Default `256`. */
  encBits?: number | undefined
  /** JWE content encryption of refresh tokens. Default `A256GCM`. */
  contEnc: string
  /** How long a key stays current before it rotates, in milliseconds. Default 4320 h. */
  keyExpiry: number
  /** Access token lifetime, in milliseconds. Default 15 min. */
  authTTL: number
  /** Refresh token lifetime (sliding), in milliseconds. Default 72 h. */
  refreshTTL: number
  /** Refresh token family maximum lifetime, in milliseconds. Default 720 h. */
  familyTTL: number
  /** How renews treat refresh tokens. Default `refreshBoth`. */
  refreshStrategy: RefreshStrategy
}

const HOUR = 3_600_000

/**
 * The defaults of the product contract: ES256; ECDH-ES+A256KW on P-256 with A256GCM; keys
 * rotate after 4320 h; access 15 min; refresh 72 h sliding; family maximum 720 h; refreshBoth.
 */
export const DEFAULTS: IssuerDefaults = Object.freeze({
  sigAlg: 'ES256',
  sigBits: undefined,
  encAlg: 'ECDH-ES+A256KW',
  encBits: 256,
  contEnc: 'A256GCM',
  keyExpiry: 4320 * HOUR,
  authTTL: 15 * 60_000,
  refreshTTL: 72 * HOUR,
  familyTTL: 720 * HOUR,
  refreshStrategy: 'refreshBoth',
})

/** Every refresh strategy, in the order the docs list them. */
export const REFRESH_STRATEGIES: readonly RefreshStrategy[] = Object.freeze([
  'refreshBoth',
  'refreshOnExpire',
  'noRefresh',
])

/** True when `value` names a refresh strategy. */
export function isRefreshStrategy(value: unknown): value is RefreshStrategy {
  return typeof value === 'string' && (REFRESH_STRATEGIES as readonly string[]).includes(value)
}
