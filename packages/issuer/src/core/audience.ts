/**
 * A client's audience: the `aud` values its tokens may carry. It is fixed at registration
 * (default: the client's kid), so one client can never mint a token that a verifier of
 * another client's audience accepts. A request may narrow it, never widen or replace it.
 */
import { IssuerError } from '../errors.js'
import type { ClientRecord } from '../store/contract.js'

/** The longest audience value, in characters. */
export const MAX_AUDIENCE_LENGTH = 256

/** The most values one client's audience may list. */
export const MAX_AUDIENCE_VALUES = 16

/** A registered audience or a request's `aud`: one value or a list of values. */
export type Audience = string | readonly string[]

function isAudienceValue(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value.length <= MAX_AUDIENCE_LENGTH
}

/**
 * Checks an audience setting: a string, or a list of 1 to {@link MAX_AUDIENCE_VALUES}
 * distinct strings, each of 1 to {@link MAX_AUDIENCE_LENGTH} characters. A one-value list
 * is kept as the string. Throws `IssuerError('invalid_request')`.
 */
export function checkAudienceSetting(value: unknown): string | string[] {
  if (isAudienceValue(value)) return value
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.length <= MAX_AUDIENCE_VALUES &&
    value.every(isAudienceValue) &&
    new Set(value).size === value.length
  if (!valid) {
    throw new IssuerError(
      'invalid_request',
      `audience must be a string, or a list of up to ${MAX_AUDIENCE_VALUES} distinct strings, of 1 to ${MAX_AUDIENCE_LENGTH} characters each`,
    )
  }
  return value.length === 1 ? (value[0] as string) : [...(value as string[])]
}

/** The audience a client's tokens carry when a request names none: its registered one, or its kid. */
export function registeredAudience(client: Pick<ClientRecord, 'kid' | 'config'>): Audience {
  return client.config.audience ?? client.kid
}

/**
 * The `aud` of a token: the registered audience, or the request's `aud` when it names some
 * of the registered values and nothing else. Throws `IssuerError('invalid_request')` for any
 * other value, so a request can never put another client's audience in a token.
 */
export function tokenAudience(registered: Audience, requested: unknown): Audience {
  if (requested === undefined) return registered
  const allowed = typeof registered === 'string' ? [registered] : registered
  const values = typeof requested === 'string' ? [requested] : requested
  const narrows =
    Array.isArray(values) &&
    values.length > 0 &&
    values.every((value) => typeof value === 'string' && allowed.includes(value)) &&
    new Set(values).size === values.length
  if (!narrows) {
    throw new IssuerError(
      'invalid_request',
      "claims.aud may only narrow the client's registered audience (see its registration)",
    )
  }
  return requested as Audience
}

/** True when a stored request's `aud` (absent, or narrowing `registered`) may still be used. */
export function presentedAudienceFits(registered: Audience, requested: unknown): boolean {
  try {
    tokenAudience(registered, requested)
    return true
  } catch {
    return false
  }
}
