import { randomToken } from '../crypto/secrets.js'
import { INVALID_GRANT_MESSAGE, IssuerError } from '../errors.js'
import type { FamilyRecord, RefreshStrategy, Store } from '../store/contract.js'

/**
 * Under `refreshOnExpire`, a renew makes a new refresh token once the presented one has
 * less than this share of its lifetime left.
 */
export const REFRESH_ON_EXPIRE_SHARE = 0.25

/** The refresh token generation a renew presented, as its verified claims say. */
export interface PresentedGeneration {
  /** The family id. */
  fid: string
  jti: string
  sub: string
  clientKid: string
  /** The token's own `exp`, milliseconds since the epoch. */
  expiresAt: number
  /** The family's sliding refresh lifetime, milliseconds. */
  refreshTTL: number
}

/**
 * What a renew answers with: the family as it now stands, and whether the presented refresh
 * token goes back as is (`same`) or a token for `family.jti` and `family.expiresAt` is minted.
 */
export interface RenewDecision {
  family: FamilyRecord
  refresh: 'same' | 'mint'
}

/** Options of {@link decideRenewal}. */
export interface FamilyRules {
  store: Store
  /** Milliseconds since the epoch. */
  now: number
  /** How long the generation just superseded may still be presented, in milliseconds. */
  graceTTL: number
  /**
   * Told the next generation just before the store is asked to move the family on to it, so
   * that its token can be minted meanwhile. The decision says whether that generation won:
   * when another renew moved the family first, the successor is another.
   */
  onAdvance?: ((next: { jti: string; expiresAt: number }) => void) | undefined
}

function invalidGrant(): IssuerError {
  return new IssuerError('invalid_grant', INVALID_GRANT_MESSAGE)
}

function isLive(family: FamilyRecord | undefined, presented: PresentedGeneration, now: number): family is FamilyRecord {
  return (
    family !== undefined &&
    family.clientKid === presented.clientKid &&
    family.sub === presented.sub &&
    family.revokedAt === undefined &&
    now < family.maxExpiresAt
  )
}

/**
 * Whether the presented generation is the one just superseded, less than `graceTTL` after
 * its supersession: the window is `[supersededAt, supersededAt + graceTTL)`. A renew whose
 * clock reading precedes the supersession (one that lost the race, or ran on an instance
 * whose clock is behind) counts as presented at the supersession itself, so with a zero
 * window it is reuse like any other.
 */
function withinGrace(family: FamilyRecord, presented: PresentedGeneration, rules: FamilyRules): boolean {
  if (family.prevJti !== presented.jti || family.supersededAt === undefined) return false
  const elapsed = Math.max(0, rules.now - family.supersededAt)
  return elapsed < rules.graceTTL && rules.now < family.expiresAt
}

/**
 * A generation other than the current one: the one just superseded, within the grace
 * window, gets the current successor back (a lost response, two tabs renewing at once, or
 * the losers of a concurrent renew); anything else is reuse, and revokes the family.
 */
async function presentedStale(
  family: FamilyRecord,
  presented: PresentedGeneration,
  rules: FamilyRules,
): Promise<RenewDecision> {
  const { store, now } = rules
  if (withinGrace(family, presented, rules)) return { family, refresh: 'mint' }
  await store.revokeFamily(family.id, now)
  throw invalidGrant()
}

/**
 * Decides a renew under the family rules and the strategy, moving the family on in the
 * store when a new generation is due. Several concurrent renews of one generation, on any
 * number of instances, advance the family exactly once (the store's compare-and-set) and
 * all get that same successor back. Throws `invalid_grant` for an unknown, foreign, revoked,
 * expired or reused generation.
 *
 * @example
 * ```ts
 * const { family, refresh } = await decideRenewal(presented, 'refreshBoth', { store, now: Date.now(), graceTTL: 10_000 })
 * ```
 */
export async function decideRenewal(
  presented: PresentedGeneration,
  strategy: RefreshStrategy,
  rules: FamilyRules,
): Promise<RenewDecision> {
  const { store, now } = rules
  const family = await store.getFamily(presented.fid)
  if (!isLive(family, presented, now)) throw invalidGrant()
  if (presented.jti !== family.jti) return presentedStale(family, presented, rules)
  if (now >= family.expiresAt || now >= presented.expiresAt) throw invalidGrant()

  const expiresAt = Math.min(now + presented.refreshTTL, family.maxExpiresAt)
  const renewToken =
    strategy === 'refreshBoth' ||
    (strategy === 'refreshOnExpire' &&
      presented.expiresAt - now < presented.refreshTTL * REFRESH_ON_EXPIRE_SHARE &&
      // Near the family's end a new token could not live longer: keep the one there is.
      expiresAt > presented.expiresAt)
  if (!renewToken) return { family, refresh: 'same' }

  const next = { jti: randomToken(16), expiresAt }
  rules.onAdvance?.(next)
  const advanced = await store.advanceFamily(family.id, presented.jti, { ...next, at: now })
  if (advanced !== undefined) return { family: advanced, refresh: 'mint' }
  // Another renew of this generation won the race: it is now the superseded one.
  const raced = await store.getFamily(presented.fid)
  if (!isLive(raced, presented, now) || raced.jti === presented.jti) throw invalidGrant()
  return presentedStale(raced, presented, rules)
}
