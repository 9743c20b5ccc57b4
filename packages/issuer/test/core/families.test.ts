import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decideRenewal } from '../../src/core/families.js'
import { INVALID_GRANT_MESSAGE } from '../../src/errors.js'
import { type CoreFixture, openRefreshTokenForTest, rejectionOf, startIssuer } from './helpers.js'

const HOUR = 3_600_000
let f: CoreFixture
beforeAll(async () => {
  f = await startIssuer({ graceTTL: 10_000 })
  await f.issuer.registerClient('both', { refreshTTL: HOUR, familyTTL: 3 * HOUR })
  await f.issuer.registerClient('expire', { refreshTTL: HOUR, refreshStrategy: 'refreshOnExpire' })
  await f.issuer.registerClient('none', { refreshTTL: HOUR, refreshStrategy: 'noRefresh' })
})
afterAll(async () => {
  await f.close()
})

async function jtiOf(kid: string, token: string): Promise<string> {
  return String((await openRefreshTokenForTest(f, kid, token)).claims.jti)
}

async function expectInvalidGrant(promise: Promise<unknown>): Promise<void> {
  const err = await rejectionOf(promise)
  expect(err.code).toBe('invalid_grant')
  expect(err.message).toBe(INVALID_GRANT_MESSAGE)
}

describe('refreshBoth', () => {
  it('makes a new generation on every renew', async () => {
    const first = await f.issuer.issue('both', { claims: { sub: 'u' } })
    const second = await f.issuer.renew('both', first.refreshToken)
    const third = await f.issuer.renew('both', second.refreshToken)
    const jtis = await Promise.all([first, second, third].map((pair) => jtiOf('both', pair.refreshToken)))
    expect(new Set(jtis).size).toBe(3)
    const family = await f.store.getFamily(first.id)
    expect(family).toMatchObject({ generation: 3, jti: jtis[2], prevJti: jtis[1] })
  })

  it('gives the superseded generation, within the grace window, the same successor', async () => {
    const first = await f.issuer.issue('both', { claims: { sub: 'u' } })
    const second = await f.issuer.renew('both', first.refreshToken)
    f.clock.advance(9_000)
    const retry = await f.issuer.renew('both', first.refreshToken)
    expect(retry.id).toBe(first.id)
    expect(await jtiOf('both', retry.refreshToken)).toBe(await jtiOf('both', second.refreshToken))
    expect((await f.store.getFamily(first.id))?.generation).toBe(2)
    // Either copy of the successor moves the family on.
    const third = await f.issuer.renew('both', retry.refreshToken)
    expect((await f.store.getFamily(first.id))?.generation).toBe(3)
    expect(await jtiOf('both', third.refreshToken)).not.toBe(await jtiOf('both', second.refreshToken))
  })

  it('revokes the family when the superseded generation comes back after the window', async () => {
    const first = await f.issuer.issue('both', { claims: { sub: 'u' } })
    const second = await f.issuer.renew('both', first.refreshToken)
    f.clock.advance(10_001)
    await expectInvalidGrant(f.issuer.renew('both', first.refreshToken))
    expect((await f.store.getFamily(first.id))?.revokedAt).toBe(f.clock.now())
    // The newest generation dies with its family.
    await expectInvalidGrant(f.issuer.renew('both', second.refreshToken))
  })

  it('revokes the family when an older generation comes back, even within the window', async () => {
    const first = await f.issuer.issue('both', { claims: { sub: 'u' } })
    const second = await f.issuer.renew('both', first.refreshToken)
    const third = await f.issuer.renew('both', second.refreshToken)
    await expectInvalidGrant(f.issuer.renew('both', first.refreshToken))
    await expectInvalidGrant(f.issuer.renew('both', third.refreshToken))
  })

  it('advances the family by exactly one generation under 20 concurrent renews of one token; all get that successor', async () => {
    const first = await f.issuer.issue('both', { claims: { sub: 'u' } })
    const answers = await Promise.all(Array.from({ length: 20 }, () => f.issuer.renew('both', first.refreshToken)))
    const family = await f.store.getFamily(first.id)
    expect(family?.generation).toBe(2)
    expect(family?.revokedAt).toBeUndefined()
    const jtis = new Set(await Promise.all(answers.map((pair) => jtiOf('both', pair.refreshToken))))
    expect([...jtis]).toEqual([family?.jti])
  })

  it('slides the lifetime but never past the family maximum', async () => {
    const first = await f.issuer.issue('both', { claims: { sub: 'u' } })
    const start = f.clock.now()
    let token = first.refreshToken
    for (let i = 0; i < 4; i++) {
      f.clock.advance(40 * 60_000)
      token = (await f.issuer.renew('both', token)).refreshToken
    }
    // 160 min in: an hour more would pass the 3 h maximum.
    const exp = Number((await openRefreshTokenForTest(f, 'both', token)).claims.exp)
    expect(exp).toBe(Math.floor((start + 3 * HOUR) / 1000))
    expect((await f.store.getFamily(first.id))?.expiresAt).toBe(start + 3 * HOUR)
    f.clock.advance(19 * 60_000)
    token = (await f.issuer.renew('both', token)).refreshToken
    f.clock.advance(60_000)
    await expectInvalidGrant(f.issuer.renew('both', token))
  })
})

describe('refreshOnExpire', () => {
  it('returns the same refresh token until it nears its end, then a new generation', async () => {
    const first = await f.issuer.issue('expire', { claims: { sub: 'u' } })
    f.clock.advance(30 * 60_000)
    const early = await f.issuer.renew('expire', first.refreshToken)
    expect(early.refreshToken).toBe(first.refreshToken)
    expect(early.accessToken).not.toBe(first.accessToken)
    expect((await f.store.getFamily(first.id))?.generation).toBe(1)

    f.clock.advance(16 * 60_000) // 14 min left: under a quarter of the hour
    const late = await f.issuer.renew('expire', first.refreshToken)
    expect(late.refreshToken).not.toBe(first.refreshToken)
    const family = await f.store.getFamily(first.id)
    expect(family?.generation).toBe(2)
    expect(family?.expiresAt).toBe(f.clock.now() + HOUR)
    expect(await jtiOf('expire', late.refreshToken)).toBe(family?.jti)
  })
})

describe('noRefresh', () => {
  it('always returns the same refresh token, which then expires', async () => {
    const first = await f.issuer.issue('none', { claims: { sub: 'u' } })
    for (let i = 0; i < 3; i++) {
      f.clock.advance(15 * 60_000)
      expect((await f.issuer.renew('none', first.refreshToken)).refreshToken).toBe(first.refreshToken)
    }
    expect((await f.store.getFamily(first.id))?.generation).toBe(1)
    f.clock.advance(15 * 60_000)
    await expectInvalidGrant(f.issuer.renew('none', first.refreshToken))
  })
})

describe('strategy override', () => {
  it('lets a renew choose another strategy than the client', async () => {
    const first = await f.issuer.issue('both', { claims: { sub: 'u' } })
    expect((await f.issuer.renew('both', first.refreshToken, { strategy: 'noRefresh' })).refreshToken).toBe(
      first.refreshToken,
    )
    const none = await f.issuer.issue('none', { claims: { sub: 'u' } })
    const rotated = await f.issuer.renew('none', none.refreshToken, { strategy: 'refreshBoth' })
    expect(rotated.refreshToken).not.toBe(none.refreshToken)
    expect((await f.store.getFamily(none.id))?.generation).toBe(2)
    const err = await rejectionOf(f.issuer.renew('both', first.refreshToken, { strategy: 'always' as never }))
    expect(err.code).toBe('invalid_request')
  })
})

describe('the compare-and-set race', () => {
  it('lets one of many simultaneous decisions advance the family; the losers get its successor', async () => {
    const first = await f.issuer.issue('both', { claims: { sub: 'u' } })
    const jti = await jtiOf('both', first.refreshToken)
    const presented = {
      fid: first.id,
      jti,
      sub: 'u',
      clientKid: 'both',
      expiresAt: f.clock.now() + HOUR,
      refreshTTL: HOUR,
    }
    // All twenty read the family before any of them writes: nineteen lose the compare-and-set.
    const decisions = await Promise.all(
      Array.from({ length: 20 }, () =>
        decideRenewal(presented, 'refreshBoth', { store: f.store, now: f.clock.now(), graceTTL: 10_000 }),
      ),
    )
    const family = await f.store.getFamily(first.id)
    expect(family?.generation).toBe(2)
    expect(new Set(decisions.map((decision) => decision.family.jti))).toEqual(new Set([family?.jti]))
    expect(decisions.every((decision) => decision.refresh === 'mint')).toBe(true)
  })

  it('holds across two issuer instances sharing one store file', async () => {
    const other = await startIssuer({ dir: f.dir, adminToken: undefined as unknown as string, graceTTL: 10_000 })
    try {
      other.clock.advance(f.clock.now() - other.clock.now())
      const first = await f.issuer.issue('both', { claims: { sub: 'u' } })
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? f : other).issuer.renew('both', first.refreshToken)),
      )
      const family = await f.store.getFamily(first.id)
      expect(family?.generation).toBe(2)
      const jtis = new Set(await Promise.all(answers.map((pair) => jtiOf('both', pair.refreshToken))))
      expect([...jtis]).toEqual([family?.jti])
    } finally {
      await other.issuer.close()
    }
  })
})

describe('a zero grace window', () => {
  let strict: CoreFixture
  beforeAll(async () => {
    strict = await startIssuer({ graceTTL: 0 })
    await strict.issuer.registerClient('both', { refreshTTL: HOUR })
  })
  afterAll(async () => {
    await strict.close()
  })

  it('lets exactly one of 10 concurrent renews of one token succeed; the rest are reuse', async () => {
    for (let race = 0; race < 5; race++) {
      const first = await strict.issuer.issue('both', { claims: { sub: 'u' } })
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, () => strict.issuer.renew('both', first.refreshToken)),
      )
      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled')
      expect(won).toHaveLength(1)
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect((outcome.reason as { code?: string }).code).toBe('invalid_grant')
      }
      const family = await strict.store.getFamily(first.id)
      expect(family?.generation).toBe(2)
      // Reuse of a superseded generation revokes the family.
      expect(family?.revokedAt).toBeDefined()
    }
  })

  it('refuses the losers of a compare-and-set race that began before the supersession', async () => {
    const first = await strict.issuer.issue('both', { claims: { sub: 'u' } })
    const jti = String((await openRefreshTokenForTest(strict, 'both', first.refreshToken)).claims.jti)
    const presented = { fid: first.id, jti, sub: 'u', clientKid: 'both', expiresAt: strict.clock.now() + HOUR, refreshTTL: HOUR }
    // The clock reading of every decision precedes the winner's supersession.
    const before = strict.clock.now() - 1
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => decideRenewal(presented, 'refreshBoth', { store: strict.store, now: before, graceTTL: 0 })),
    )
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1)
    expect((await strict.store.getFamily(first.id))?.generation).toBe(2)
  })
})

describe('the grace window boundary', () => {
  it('ends graceTTL after the supersession', async () => {
    const first = await f.issuer.issue('both', { claims: { sub: 'u' } })
    await f.issuer.renew('both', first.refreshToken)
    f.clock.advance(10_000)
    await expectInvalidGrant(f.issuer.renew('both', first.refreshToken))
  })
})
