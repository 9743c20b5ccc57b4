/**
 * The limit a renew is measured against: what one renew needs with raw node:crypto on one
 * thread, synchronously: open the refresh token (ECDH-ES with the recipient's private key,
 * Concat KDF, AES-256 key unwrap, AES-256-GCM decrypt), verify its inner ES256 JWS and read
 * its claims, then make the next pair (see `raw-pair.ts`).
 */
import { createDecipheriv, createECDH, createHash, type KeyObject, verify } from 'node:crypto'
import { createRawPairMinter, type RawPair, type RawPairKeys } from './raw-pair.js'

/** The keys a renew needs beyond those of a pair. */
export interface RawRenewKeys extends RawPairKeys {
  /** P-256 public signing key, to verify the inner JWS. */
  verifyingKey: KeyObject
  /** The private scalar of the encryption key, raw (32 bytes). */
  encryptionSecret: Buffer
}

const WRAP_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex')

function lengthPrefixed(data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  return Buffer.concat([length, data])
}

const KDF_INFO = Buffer.concat([
  lengthPrefixed(Buffer.from('ECDH-ES+A256KW')),
  lengthPrefixed(Buffer.alloc(0)),
  lengthPrefixed(Buffer.alloc(0)),
  Buffer.from([0, 0, 1, 0]),
])
const COUNTER_ONE = Buffer.from([0, 0, 0, 1])

/** Decrypts a compact ECDH-ES+A256KW / A256GCM JWE with a raw P-256 private scalar. */
function decryptJwe(token: string, recipient: ReturnType<typeof createECDH>): string {
  const [header, wrapped, iv, ciphertext, tag] = token.split('.') as [string, string, string, string, string]
  const { epk } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { epk: { x: string; y: string } }
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(epk.x, 'base64url'), Buffer.from(epk.y, 'base64url')])
  const shared = recipient.computeSecret(point)
  const kek = createHash('sha256').update(COUNTER_ONE).update(shared).update(KDF_INFO).digest()
  const unwrap = createDecipheriv('id-aes256-wrap', kek, WRAP_IV)
  const cek = Buffer.concat([unwrap.update(Buffer.from(wrapped, 'base64url')), unwrap.final()])
  const decipher = createDecipheriv('aes-256-gcm', cek, Buffer.from(iv, 'base64url'))
  decipher.setAAD(Buffer.from(header, 'ascii'))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')
}

/** Verifies a compact ES256 JWS and returns its claims; throws when the signature fails. */
function verifyJws(jws: string, key: KeyObject): Record<string, unknown> {
  const dot = jws.lastIndexOf('.')
  const signature = Buffer.from(jws.slice(dot + 1), 'base64url')
  if (!verify('sha256', Buffer.from(jws.slice(0, dot)), { key, dsaEncoding: 'ieee-p1363' }, signature)) {
    throw new Error('the inner JWS does not verify')
  }
  const payload = jws.slice(jws.indexOf('.') + 1, dot)
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
}

/**
 * Returns a function that renews a refresh token made by `createRawPairMinter` with the
 * same keys: the next pair, synchronously.
 *
 * @example
 * ```ts
 * const renew = createRawRenewer(keys)
 * const next = renew(pair.refreshToken)
 * ```
 */
export function createRawRenewer(keys: RawRenewKeys): (refreshToken: string) => RawPair {
  const mint = createRawPairMinter(keys)
  const recipient = createECDH('prime256v1')
  recipient.setPrivateKey(keys.encryptionSecret)
  return (refreshToken) => {
    const claims = verifyJws(decryptJwe(refreshToken, recipient), keys.verifyingKey)
    if (claims['client_id'] !== keys.clientKid || typeof claims['sub'] !== 'string') throw new Error('unexpected claims')
    return mint(claims['sub'])
  }
}
