/**
 * Rows of the stores' tables, the same in SQLite and PostgreSQL, and how they map to the
 * records of the store contract.
 */
import type { ClientConfig, ClientRecord, FamilyRecord, KeyRecord, KeyState, KeyUse } from './contract.js'

export interface ClientRow {
  kid: string
  token_hash: string
  config: string
  created_at: number
  mac: string | null
}

export interface KeyRow {
  id: string
  client_kid: string
  use: KeyUse
  state: KeyState
  alg: string
  public_jwk: string
  sealed_private: string
  created_at: number
  activated_at: number | null
  expires_at: number
  retire_until: number | null
  publish_until: number | null
}

export interface FamilyRow {
  id: string
  client_kid: string
  sub: string
  jti: string
  generation: number
  prev_jti: string | null
  superseded_at: number | null
  expires_at: number
  max_expires_at: number
  revoked_at: number | null
  created_at: number
}

export function toClient(row: ClientRow): ClientRecord {
  const client: ClientRecord = {
    kid: row.kid,
    tokenHash: row.token_hash,
    config: JSON.parse(row.config) as ClientConfig,
    createdAt: row.created_at,
  }
  if (row.mac !== null) client.mac = row.mac
  return client
}

export function toKey(row: KeyRow): KeyRecord {
  const key: KeyRecord = {
    id: row.id,
    clientKid: row.client_kid,
    use: row.use,
    state: row.state,
    alg: row.alg,
    publicJwk: row.public_jwk,
    sealedPrivate: row.sealed_private,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  }
  if (row.activated_at !== null) key.activatedAt = row.activated_at
  if (row.retire_until !== null) key.retireUntil = row.retire_until
  if (row.publish_until !== null) key.publishUntil = row.publish_until
  return key
}

export function toFamily(row: FamilyRow): FamilyRecord {
  const family: FamilyRecord = {
    id: row.id,
    clientKid: row.client_kid,
    sub: row.sub,
    jti: row.jti,
    generation: row.generation,
    expiresAt: row.expires_at,
    maxExpiresAt: row.max_expires_at,
    createdAt: row.created_at,
  }
  if (row.prev_jti !== null) family.prevJti = row.prev_jti
  if (row.superseded_at !== null) family.supersededAt = row.superseded_at
  if (row.revoked_at !== null) family.revokedAt = row.revoked_at
  return family
}

/** The key table's columns, in the order both stores write them. */
export const KEY_COLUMNS: string =
  'id, client_kid, use, state, alg, public_jwk, sealed_private, created_at, activated_at, expires_at, retire_until, publish_until'

/** A mapped row, or undefined for no row. */
export function maybe<R, T>(row: R | undefined, map: (row: R) => T): T | undefined {
  return row === undefined ? undefined : map(row)
}
