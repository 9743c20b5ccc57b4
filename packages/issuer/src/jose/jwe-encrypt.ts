import { constants, createCipheriv, type KeyObject, publicEncrypt } from 'node:crypto'
import { encodeBase64url } from './base64url.js'
import { concatKdf } from './concat-kdf.js'
import { agreeEphemeral, agreeEphemeralToSelf, type EphemeralPublicJwk } from './ec-agreement.js'
import { randomBytesPooled } from './random-pool.js'
import {
  algorithmOf,
  CONTENT_ENCRYPTIONS,
  checkKeyFits,
  GCM_IV_LENGTH,
  GCM_TAG_LENGTH,
  KEY_MANAGEMENTS,
  KEY_WRAP_IV,
} from './jose-algorithms.js'

/** Options of {@link encryptJwe}. */
export interface EncryptJweOptions {
  /** Key management: `RSA-OAEP`, `RSA-OAEP-256`, `ECDH-ES` or `ECDH-ES+A128KW/A192KW/A256KW`. */
  alg: string
  /** Content encryption: `A128GCM`, `A192GCM` or `A256GCM`. */
  enc: string
  /**
   * The recipient's public key; or, when the sender is the recipient itself (the issuer
   * sealing a refresh token to its own key), its private key, with which ECDH-ES costs
   * less (see `agreeEphemeralToSelf`). The JWE is a standard one either way.
   */
  key: KeyObject
  /** The `kid` header: the recipient key's id. */
  kid?: string | undefined
  /** The `cty` header, e.g. `JWT` for a nested JWT. */
  cty?: string | undefined
}

interface ContentKey {
  cek: Buffer
  encryptedKey: Buffer
  epk?: EphemeralPublicJwk
}

function wrapKey(cipher: string, kek: Buffer, cek: Buffer): Buffer {
  const wrap = createCipheriv(cipher, kek, KEY_WRAP_IV)
  return Buffer.concat([wrap.update(cek), wrap.final()])
}

/** The content key of one JWE, and what the recipient needs to recover it. */
function contentKey(options: EncryptJweOptions, keyLength: number): ContentKey {
  const management = algorithmOf(KEY_MANAGEMENTS, options.alg, 'key-management alg')
  if (management.kind === 'rsa-oaep') {
    const cek = randomBytesPooled(keyLength)
    const encryptedKey = publicEncrypt(
      { key: options.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: management.oaepHash },
      cek,
    )
    return { cek, encryptedKey }
  }
  const { sharedSecret, epk } = options.key.type === 'private' ? agreeEphemeralToSelf(options.key) : agreeEphemeral(options.key)
  try {
    // Direct agreement: the KDF makes the content key itself, named by `enc`.
    if (management.wrap === undefined) {
      return { cek: concatKdf(sharedSecret, options.enc, keyLength), encryptedKey: Buffer.alloc(0), epk }
    }
    const kek = concatKdf(sharedSecret, options.alg, management.wrap.keyLength)
    const cek = randomBytesPooled(keyLength)
    try {
      return { cek, encryptedKey: wrapKey(management.wrap.cipher, kek, cek), epk }
    } finally {
      kek.fill(0)
    }
  } finally {
    sharedSecret.fill(0)
  }
}

/**
 * Encrypts a compact JWE (RFC 7516) with node:crypto: the content key by RSAES-OAEP
 * (SHA-1 or SHA-256), or by ECDH-ES with a fresh ephemeral key per call (directly, or with
 * AES key wrap); the content by AES-GCM with a random 96-bit IV and the protected header as
 * additional data. The protected header is `{alg, enc, kid?, cty?, epk?}`.
 *
 * @throws Error for an unknown alg or enc, or a key that does not fit the alg.
 * @example
 * ```ts
 * const jwe = encryptJwe(innerJws, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', key: publicKey, kid, cty: 'JWT' })
 * ```
 */
export function encryptJwe(plaintext: string | Uint8Array, options: EncryptJweOptions): string {
  const content = algorithmOf(CONTENT_ENCRYPTIONS, options.enc, 'content encryption')
  checkKeyFits(options.key, options.alg, options.key.type === 'private' ? 'private' : 'public')
  const { cek, encryptedKey, epk } = contentKey(options, content.keyLength)
  try {
    const header: Record<string, unknown> = { alg: options.alg, enc: options.enc }
    if (options.kid !== undefined) header['kid'] = options.kid
    if (options.cty !== undefined) header['cty'] = options.cty
    if (epk !== undefined) header['epk'] = epk
    const protectedHeader = encodeBase64url(JSON.stringify(header))
    const iv = randomBytesPooled(GCM_IV_LENGTH)
    const cipher = createCipheriv(content.cipher, cek, iv, { authTagLength: GCM_TAG_LENGTH })
    cipher.setAAD(Buffer.from(protectedHeader, 'ascii'))
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext
    const ciphertext = Buffer.concat([cipher.update(data), cipher.final()])
    return [
      protectedHeader,
      encryptedKey.toString('base64url'),
      iv.toString('base64url'),
      ciphertext.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ].join('.')
  } finally {
    cek.fill(0)
  }
}
