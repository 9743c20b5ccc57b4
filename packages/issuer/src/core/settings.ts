import { checkContentEncryption, checkKeySpec } from './alg-policy.js'
import { IssuerError, invalidField } from '../errors.js'
import { checkAudienceSetting } from './audience.js'
import type { ClientConfig } from '../store/contract.js'
import { DEFAULTS, type IssuerDefaults, isRefreshStrategy, REFRESH_STRATEGIES } from './defaults.js'
import type { ClientSettings } from './types.js'

const SECOND = 1000
const HOUR = 3_600_000

/** A range of milliseconds a duration setting must fall in. */
interface Range {
  min: number
  max: number
}

/**
 * The bounds of every duration setting, in milliseconds. Keys rotate no faster than every
 * 10 s (each rotation generates keys); tokens live at least 1 s (JWT times are seconds).
 */
export const SETTING_LIMITS: Readonly<Record<'keyExpiry' | 'authTTL' | 'refreshTTL' | 'familyTTL', Range>> =
  Object.freeze({
    keyExpiry: { min: 10 * SECOND, max: 87_600 * HOUR },
    authTTL: { min: SECOND, max: 720 * HOUR },
    refreshTTL: { min: SECOND, max: 8760 * HOUR },
    familyTTL: { min: SECOND, max: 8760 * HOUR },
  })

/** `3600000` as `1h`, `90000` as `1m30s`: how the API writes durations. */
export function formatDuration(ms: number): string {
  if (ms % SECOND !== 0) return `${ms}ms`
  let seconds = ms / SECOND
  const hours = Math.floor(seconds / 3600)
  seconds -= hours * 3600
  const minutes = Math.floor(seconds / 60)
  seconds -= minutes * 60
  const text = `${hours > 0 ? `${hours}h` : ''}${minutes > 0 ? `${minutes}m` : ''}${seconds > 0 ? `${seconds}s` : ''}`
  return text === '' ? '0s' : text
}

/**
 * Throws `invalid_request` unless `value` is a whole number of milliseconds within the
 * setting's limits.
 */
export function checkDuration(name: keyof typeof SETTING_LIMITS, value: unknown): number {
  const { min, max } = SETTING_LIMITS[name]
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidField(name, `must be a duration from ${formatDuration(min)} to ${formatDuration(max)}`)
  }
  return value
}

function checkBits(name: 'sigBits' | 'encBits', value: unknown): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalidField(name, 'must be a positive whole number')
  }
  return value
}

function checkAlgName(name: 'sigAlg' | 'encAlg' | 'contEnc', value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > 32) {
    throw invalidField(name, 'must be an algorithm name')
  }
  return value
}

/**
 * A client's full configuration: its settings checked, the server defaults filling the rest.
 * A bit size is inherited from the defaults only with the alg it belongs to, so choosing
 * `ES384` never picks up a default RSA size.
 *
 * Throws `IssuerError('invalid_request')` naming the first bad setting.
 */
export function resolveClientConfig(settings: ClientSettings | undefined, defaults: IssuerDefaults): ClientConfig {
  const given = settings ?? {}
  const sigAlg = given.sigAlg === undefined ? defaults.sigAlg : checkAlgName('sigAlg', given.sigAlg)
  const sigBits =
    given.sigBits !== undefined
      ? checkBits('sigBits', given.sigBits)
      : sigAlg === defaults.sigAlg
        ? defaults.sigBits
        : undefined
  const encAlg = given.encAlg === undefined ? defaults.encAlg : checkAlgName('encAlg', given.encAlg)
  const encBits =
    given.encBits !== undefined
      ? checkBits('encBits', given.encBits)
      : encAlg === defaults.encAlg
        ? defaults.encBits
        : undefined
  const contEnc = given.contEnc === undefined ? defaults.contEnc : checkAlgName('contEnc', given.contEnc)
  checkKeySpec({ use: 'sig', alg: sigAlg, bits: sigBits })
  checkKeySpec({ use: 'enc', alg: encAlg, bits: encBits })
  checkContentEncryption(contEnc)

  const keyExpiry = checkDuration('keyExpiry', given.keyExpiry ?? defaults.keyExpiry)
  const authTTL = checkDuration('authTTL', given.authTTL ?? defaults.authTTL)
  const refreshTTL = checkDuration('refreshTTL', given.refreshTTL ?? defaults.refreshTTL)
  const familyTTL = checkDuration('familyTTL', given.familyTTL ?? defaults.familyTTL)
  if (refreshTTL > familyTTL) {
    throw invalidField('refreshTTL', `may not exceed the family maximum lifetime (${formatDuration(familyTTL)})`)
  }
  const refreshStrategy = given.refreshStrategy ?? defaults.refreshStrategy
  if (!isRefreshStrategy(refreshStrategy)) {
    throw invalidField('refreshStrategy', `must be one of ${REFRESH_STRATEGIES.join(', ')}`)
  }
  const audience = given.audience === undefined ? undefined : checkAudienceSetting(given.audience)
  return { sigAlg, sigBits, encAlg, encBits, contEnc, keyExpiry, authTTL, refreshTTL, familyTTL, refreshStrategy, audience }
}

/**
 * The server defaults: {@link DEFAULTS} overlaid with `partial`, checked once at start.
 * Throws `TypeError` naming the bad option.
 */
export function resolveDefaults(partial: Partial<IssuerDefaults> | undefined): IssuerDefaults {
  const merged: IssuerDefaults = { ...DEFAULTS }
  for (const [name, value] of Object.entries(partial ?? {})) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[name] = value
  }
  // Bits belong to their alg: a default alg given without bits does not keep the stock size.
  if (partial?.sigAlg !== undefined && partial.sigBits === undefined && partial.sigAlg !== DEFAULTS.sigAlg) {
    merged.sigBits = undefined
  }
  if (partial?.encAlg !== undefined && partial.encBits === undefined && partial.encAlg !== DEFAULTS.encAlg) {
    merged.encBits = undefined
  }
  try {
    // The same checks as a registration, so a bad default fails at start, not at first use.
    const checked = resolveClientConfig({}, merged)
    return {
      sigAlg: checked.sigAlg,
      sigBits: checked.sigBits,
      encAlg: checked.encAlg,
      encBits: checked.encBits,
      contEnc: checked.contEnc,
      keyExpiry: checked.keyExpiry,
      authTTL: checked.authTTL,
      refreshTTL: checked.refreshTTL,
      familyTTL: checked.familyTTL,
      refreshStrategy: checked.refreshStrategy,
    }
  } catch (err) {
    if (err instanceof IssuerError) throw new TypeError(`invalid issuer default: ${err.message}`, { cause: err })
    throw err
  }
}
