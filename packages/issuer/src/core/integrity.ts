/**
 * Tamper evidence for what the store keeps in clear. Private keys are sealed and so cannot
 * be altered unnoticed; but whoever can write the store without the password could swap a
 * key's public JWK (publishing their own signing key), a client's token hash or
 * configuration (its audience), or the admin token hash. So:
 * - each key record must be what its sealed private key says: its id is the RFC 7638
 *   thumbprint of its public JWK, and that public JWK is the sealed private key's own;
 * - the client rows and the admin token hash carry a MAC under a key derived from the data
 *   key, which only the password unwraps.
 * Any failure throws `KeyringError('tampered')` naming the record, never its content.
 */
import { createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { type Keyring, KeyringError } from '../crypto/keyring.js'
import type { ClientRecord, KeyRecord } from '../store/contract.js'
import { keySealingLabel } from './key-material.js'

const RESTORE = 'restore it from a backup'

/** JSON with object members sorted, so a store that reorders members (jsonb) keeps the MAC. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, member]) => `${JSON.stringify(name)}:${canonicalJson(member)}`)
    return `{${members.join(',')}}`
  }
  return JSON.stringify(value)
}

/** The MAC of a client row: its kid, token hash, configuration and creation time. */
export function clientMac(keyring: Keyring, client: ClientRecord): string {
  return keyring.mac('client', canonicalJson([client.kid, client.tokenHash, client.config, client.createdAt]))
}

/** The MAC of the admin token hash. */
export function adminTokenMac(keyring: Keyring, adminTokenHash: string): string {
  return keyring.mac('admin token hash', adminTokenHash)
}

function tampered(what: string): KeyringError {
  return new KeyringError('tampered', `the store was altered without its password: ${what}; ${RESTORE}`)
}

/** Throws `KeyringError('tampered')` unless the client row carries its MAC. */
export function checkClientRecord(keyring: Keyring, client: ClientRecord): void {
  if (client.mac !== clientMac(keyring, client)) throw tampered(`client ${JSON.stringify(client.kid)} fails its MAC`)
}

/** Throws `KeyringError('tampered')` unless `mac` authenticates the admin token hash. */
export function checkAdminTokenHash(keyring: Keyring, adminTokenHash: string, mac: string | undefined): void {
  if (mac !== adminTokenMac(keyring, adminTokenHash)) throw tampered('the admin token hash fails its MAC')
}

/**
 * Throws `KeyringError('tampered')` unless the key record is what its sealed private key
 * says: the id is the thumbprint of the public JWK, and the public JWK is the private key's.
 * Unseals the private key (a sealed key moved to another row no longer opens).
 */
export async function checkKeyRecord(keyring: Keyring, record: KeyRecord): Promise<void> {
  const name = `key ${JSON.stringify(record.id)} of client ${JSON.stringify(record.clientKid)}`
  let publicJwk: JsonWebKey
  let ownJwk: JsonWebKey
  try {
    publicJwk = createPublicKey({ key: JSON.parse(record.publicJwk) as JsonWebKey, format: 'jwk' }).export({ format: 'jwk' })
    const plaintext = keyring.open(record.sealedPrivate, keySealingLabel(record.clientKid, record.id, record.use))
    try {
      const privateKey = createPrivateKey({ key: JSON.parse(new TextDecoder().decode(plaintext)) as JsonWebKey, format: 'jwk' })
      ownJwk = createPublicKey(privateKey).export({ format: 'jwk' })
    } finally {
      plaintext.fill(0)
    }
  } catch {
    throw tampered(`${name} does not open or parse`)
  }
  if ((await calculateJwkThumbprint(publicJwk as JWK, 'sha256')) !== record.id) {
    throw tampered(`${name} is not the thumbprint of its public key`)
  }
  if ((await calculateJwkThumbprint(ownJwk as JWK, 'sha256')) !== record.id) {
    throw tampered(`${name} has a public key that is not its private key's`)
  }
}

/** Checks key records once each, remembering the public JWK text each was checked with. */
export interface KeyRecordChecker {
  /** True when the record is sound; a record whose public JWK changed is checked again. */
  isSound(record: KeyRecord): Promise<boolean>
}

/**
 * Creates a {@link KeyRecordChecker}: the JWKS publishes only records it vouches for, at
 * the cost of one unseal per key over the issuer's life.
 *
 * @example
 * ```ts
 * const checker = createKeyRecordChecker(keyring, (err) => log(err.message))
 * const published = []
 * for (const record of records) if (await checker.isSound(record)) published.push(record)
 * ```
 */
export function createKeyRecordChecker(keyring: Keyring, onTampered: (err: KeyringError) => void): KeyRecordChecker {
  const checked = new Map<string, string>()
  return {
    async isSound(record) {
      if (checked.get(record.id) === record.publicJwk) return true
      try {
        await checkKeyRecord(keyring, record)
      } catch (err) {
        if (err instanceof KeyringError) {
          onTampered(err)
          return false
        }
        throw err
      }
      checked.set(record.id, record.publicJwk)
      return true
    },
  }
}
