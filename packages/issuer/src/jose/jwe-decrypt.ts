import { constants, createDecipheriv, type KeyObject, privateDecrypt } from 'node:crypto'
import { decodeBase64url } from './base64url.js'
import { concatKdf } from './concat-kdf.js'
import { agreeWithEphemeral } from './ec-agreement.js'
import {
  algorithmOf,
  CONTENT_ENCRYPTIONS,
  checkKeyFits,
  GCM_IV_LENGTH,
  GCM_TAG_LENGTH,
  KEY_MANAGEMENTS,
  KEY_WRAP_IV,
} from './jose-algorithms.js'
import { parseProtectedHeader } from './protected-header.js'

const JWE_HEADER = new Set(['alg', 'enc', 'kid', 'cty', 'epk'])

/** Options of {@link decryptJwe}. */
export interface DecryptJweOptions {
  /** The one key-management alg accepted (the key's). */
  alg: string
  /** The one content encryption accepted. */
  enc: string
  /** The recipient's private key. */
  key: KeyObject
}

/** A decrypted JWE. */
export interface DecryptedJwe {
  header: Record<string, unknown>
  plaintext: Buffer
}

function unwrapKey(cipher: string, kek: Buffer, wrapped: Buffer): Buffer {
  const unwrap = createDecipheriv(cipher, kek, KEY_WRAP_IV)
  // `final` throws when RFC 3394's integrity check fails.
  return Buffer.concat([unwrap.update(wrapped), unwrap.final()])
}

function recoverContentKey(header: Record<string, unknown>, encryptedKey: Buffer, options: DecryptJweOptions, keyLength: number): Buffer {
  const management = algorithmOf(KEY_MANAGEMENTS, options.alg, 'key-management alg')
  if (management.kind === 'rsa-oaep') {
    if (header['epk'] !== undefined) throw new Error('an RSA-OAEP JWE carries no epk')
    return privateDecrypt(
      { key: options.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: management.oaepHash },
      encryptedKey,
    )
  }
  const sharedSecret = agreeWithEphemeral(options.key, header['epk'])
  try {
    if (management.wrap === undefined) {
      if (encryptedKey.length !== 0) throw new Error('a direct ECDH-ES JWE has an empty encrypted key')
      return concatKdf(sharedSecret, options.enc, keyLength)
    }
    if (encryptedKey.length !== keyLength + 8) throw new Error('the wrapped key has the wrong length')
    const kek = concatKdf(sharedSecret, options.alg, management.wrap.keyLength)
    try {
      return unwrapKey(management.wrap.cipher, kek, encryptedKey)
    } finally {
      kek.fill(0)
    }
  } finally {
    sharedSecret.fill(0)
  }
}

/**
 * Decrypts a compact JWE made by {@link encryptJwe}, with node:crypto: exactly five parts; a
 * protected header with no member beyond `alg`, `enc`, `kid`, `cty` and `epk`, and the
 * expected `alg` and `enc`; for ECDH-ES an `epk` on the key's curve; a 96-bit IV and a full
 * 128-bit tag that authenticates the ciphertext and the header.
 *
 * @throws Error for anything wrong; the message never carries the token or a key.
 * @example
 * ```ts
 * const { plaintext } = decryptJwe(token, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', key: privateKey })
 * ```
 */
export function decryptJwe(token: string, options: DecryptJweOptions): DecryptedJwe {
  const content = algorithmOf(CONTENT_ENCRYPTIONS, options.enc, 'content encryption')
  checkKeyFits(options.key, options.alg, 'private')
  const parts = token.split('.')
  if (parts.length !== 5) throw new Error('a compact JWE has five parts')
  const [headerPart, keyPart, ivPart, ciphertextPart, tagPart] = parts as [string, string, string, string, string]
  const header = parseProtectedHeader(headerPart, JWE_HEADER)
  if (header['alg'] !== options.alg || header['enc'] !== options.enc) throw new Error('the JWE alg or enc is not the one accepted')
  const iv = decodeBase64url(ivPart, 'initialization vector')
  const tag = decodeBase64url(tagPart, 'authentication tag')
  if (iv.length !== GCM_IV_LENGTH || tag.length !== GCM_TAG_LENGTH) throw new Error('the IV or tag has the wrong length')
  const ciphertext = decodeBase64url(ciphertextPart, 'ciphertext')
  const cek = recoverContentKey(header, decodeBase64url(keyPart, 'encrypted key'), options, content.keyLength)
  try {
    if (cek.length !== content.keyLength) throw new Error('the content key has the wrong length')
    const decipher = createDecipheriv(content.cipher, cek, iv, { authTagLength: GCM_TAG_LENGTH })
    decipher.setAAD(Buffer.from(headerPart, 'ascii'))
    decipher.setAuthTag(tag)
    return { header, plaintext: Buffer.concat([decipher.update(ciphertext), decipher.final()]) }
  } catch {
    throw new Error('the JWE does not decrypt')
  } finally {
    cek.fill(0)
  }
}
