/** Record builders for store tests: valid records with unique ids, fields overridable. */
import { randomUUID } from 'node:crypto'
import type { ClientRecord, FamilyRecord, KeyRecord, KeyState, KeyUse } from '../../src/store/contract.js'

export const T0 = 1_700_000_000_000
export const HOUR = 3_600_000

export function makeClient(kid: string, overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    kid,
    tokenHash: `${kid}-hash-${randomUUID()}`,
    config: {
      sigAlg: 'ES256',
      encAlg: 'ECDH-ES+A256KW',
      encBits: 256,
      contEnc: 'A256GCM',
      keyExpiry: 4320 * HOUR,
      authTTL: 15 * 60_000,
      refreshTTL: 72 * HOUR,
      familyTTL: 720 * HOUR,
      refreshStrategy: 'refreshBoth',
    },
    createdAt: T0,
    mac: `${kid}-mac-${randomUUID()}`,
    ...overrides,
  }
}

export function makeKey(clientKid: string, use: KeyUse, state: KeyState, overrides: Partial<KeyRecord> = {}): KeyRecord {
  const id = overrides.id ?? `${clientKid}-${use}-${state}-${randomUUID()}`
  return {
    id,
    clientKid,
    use,
    state,
    alg: use === 'sig' ? 'ES256' : 'ECDH-ES+A256KW',
    publicJwk: JSON.stringify({ kty: 'EC', crv: 'P-256', kid: id }),
    sealedPrivate: `v1.sealed-${id}`,
    createdAt: T0,
    expiresAt: T0 + 4320 * HOUR,
    ...(state === 'current' ? { activatedAt: T0 } : {}),
    ...overrides,
  }
}

export function makeFamily(clientKid: string, sub: string, overrides: Partial<FamilyRecord> = {}): FamilyRecord {
  return {
    id: randomUUID(),
    clientKid,
    sub,
    jti: randomUUID(),
    generation: 1,
    expiresAt: T0 + 72 * HOUR,
    maxExpiresAt: T0 + 720 * HOUR,
    createdAt: T0,
    ...overrides,
  }
}

