import type { ClientConfig, RefreshStrategy } from '../store/contract.js'

/**
 * The server-wide settings that fill whatever a client registration leaves out: a client's
 * settings (units as in {@link ClientConfig}) less its audience, which has no server default.
 * The defaults are those of {@link DEFAULTS}.
 */
export type IssuerDefaults = Omit<ClientConfig, 'audience'>

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
