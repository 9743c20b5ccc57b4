import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import type { GeneratedKey } from '../crypto/keys.js'
import type { Keyring } from '../crypto/keyring.js'
import type { KeyRecord, KeyState, KeyUse } from '../store/contract.js'
import type { PublicJwk } from './types.js'

/**
 * The associated data a private key is sealed with. Binding the client, the key id and the
 * use means a sealed key copied onto another row of the store no longer opens.
 */
export function keySealingLabel(clientKid: string, keyId: string, use: KeyUse): string {
  return `key:${clientKid}:${keyId}:${use}`
}

/** Where a freshly generated key enters the store's life cycle. */
export interface KeyPlacement {
  state: KeyState
  /** Milliseconds since the epoch. */
  createdAt: number
  /** When it became current; set only for a key stored as `current`. */
  activatedAt?: number | undefined
  /** When it is due to rotate (for a `next` key, a provisional deadline). */
  expiresAt: number
}

/** Seals a generated key's private half and shapes it as the store keeps it. */
export function sealKey(
  keyring: Keyring,
  clientKid: string,
  use: KeyUse,
  key: GeneratedKey,
  placement: KeyPlacement,
): KeyRecord {
  const plaintext = new TextEncoder().encode(JSON.stringify(key.privateJwk))
  try {
    return {
      id: key.id,
      clientKid,
      use,
      state: placement.state,
      alg: key.alg,
      publicJwk: JSON.stringify(key.publicJwk),
      sealedPrivate: keyring.seal(plaintext, keySealingLabel(clientKid, key.id, use)),
      createdAt: placement.createdAt,
      activatedAt: placement.activatedAt,
      expiresAt: placement.expiresAt,
    }
  } finally {
    plaintext.fill(0)
  }
}

/** The crypto objects of one stored key, built once and kept while the key lives. */
export interface KeyMaterial {
  readonly publicJwk: PublicJwk
  readonly publicKey: KeyObject
  /** The private key, unsealed on first use and then kept in memory. */
  privateKey(): KeyObject
}

/** Parses a stored key's public JWK and prepares to unseal its private half on demand. */
export function keyMaterial(keyring: Keyring, record: KeyRecord): KeyMaterial {
  const publicJwk = JSON.parse(record.publicJwk) as PublicJwk
  const publicKey = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' })
  let privateKey: KeyObject | undefined
  return {
    publicJwk: { ...publicJwk, kid: record.id, alg: record.alg, use: record.use },
    publicKey,
    privateKey(): KeyObject {
      if (privateKey === undefined) {
        const plaintext = keyring.open(record.sealedPrivate, keySealingLabel(record.clientKid, record.id, record.use))
        try {
          const jwk = JSON.parse(new TextDecoder().decode(plaintext)) as JsonWebKey
          privateKey = createPrivateKey({ key: jwk, format: 'jwk' })
        } finally {
          plaintext.fill(0)
        }
      }
      return privateKey
    },
  }
}
