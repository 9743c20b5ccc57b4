/**
 * The limit the issuer's minting is measured against: one token pair made with raw
 * node:crypto on one thread, synchronously, doing what every pair needs and nothing else.
 * Access: ES256 JWS. Refresh: ES256 JWS, then a compact JWE ECDH-ES+A256KW / A256GCM (an
 * ephemeral P-256 key, ECDH, Concat KDF, AES-256 key wrap of a random content key, AES-256-GCM
 * of the inner JWS).
 *
 * The ephemeral key is made with node:crypto's `ECDH` (raw points), not as a KeyObject:
 * on Node 20, exporting a freshly generated KeyObject as a JWK can deadlock against the
 * garbage collector finalising its generation job, which hung this baseline. Both ways cost
 * the same.
 */
import { createCipheriv, createECDH, createHash, type KeyObject, randomBytes, sign } from 'node:crypto'

/** The keys and names a pair is made with. */
export interface RawPairKeys {
  /** P-256 private signing key. */
  signingKey: KeyObject
  signingKid: string
  /** P-256 public key of the client's encryption key. */
  encryptionKey: KeyObject
  encryptionKid: string
  issuer: string
  clientKid: string
}

/** A pair as raw node:crypto makes it. */
export interface RawPair {
  accessToken: string
  refreshToken: string
}

const KEY_WRAP = 'ECDH-ES+A256KW'
// RFC 3394's default initial value: what `id-aes256-wrap` must be given.
const WRAP_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex')

function b64(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url')
}

function lengthPrefixed(data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  return Buffer.concat([length, data])
}

// The fixed part of the Concat KDF input (RFC 7518 4.6.2) for ECDH-ES+A256KW, no apu/apv.
const KDF_INFO = Buffer.concat([
  lengthPrefixed(Buffer.from(KEY_WRAP)),
  lengthPrefixed(Buffer.alloc(0)),
  lengthPrefixed(Buffer.alloc(0)),
  Buffer.from([0, 0, 1, 0]), // key data length: 256 bits
])
const COUNTER_ONE = Buffer.from([0, 0, 0, 1])

/** Signs `payload` as a compact ES256 JWS under a precomputed protected header. */
function signJws(headerB64: string, payload: object, key: KeyObject): string {
  const input = `${headerB64}.${b64(JSON.stringify(payload))}`
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
  return `${input}.${signature.toString('base64url')}`
}

/** The uncompressed point of a P-256 public key, as `ECDH.computeSecret` takes it. */
function pointOf(publicKey: KeyObject): Buffer {
  const { x, y } = publicKey.export({ format: 'jwk' })
  return Buffer.concat([Buffer.from([4]), Buffer.from(x!, 'base64url'), Buffer.from(y!, 'base64url')])
}

/** Encrypts `plaintext` as a compact JWE ECDH-ES+A256KW / A256GCM to the recipient's point. */
function encryptJwe(plaintext: string, recipient: Buffer, kid: string): string {
  const ephemeral = createECDH('prime256v1')
  const ephemeralPoint = ephemeral.generateKeys()
  const shared = ephemeral.computeSecret(recipient)
  // One SHA-256 round gives the 256 bits A256KW needs.
  const kek = createHash('sha256').update(COUNTER_ONE).update(shared).update(KDF_INFO).digest()
  const cek = randomBytes(32)
  const wrap = createCipheriv('id-aes256-wrap', kek, WRAP_IV)
  const wrappedKey = Buffer.concat([wrap.update(cek), wrap.final()])
  const epk = { kty: 'EC', crv: 'P-256', x: b64(ephemeralPoint.subarray(1, 33)), y: b64(ephemeralPoint.subarray(33)) }
  const header = b64(JSON.stringify({ alg: KEY_WRAP, enc: 'A256GCM', kid, cty: 'JWT', epk }))
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', cek, iv)
  cipher.setAAD(Buffer.from(header, 'ascii'))
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return [header, b64(wrappedKey), b64(iv), b64(ciphertext), b64(cipher.getAuthTag())].join('.')
}

/**
 * Returns a function that makes one pair for a subject, synchronously.
 *
 * @example
 * ```ts
 * const mint = createRawPairMinter(keys)
 * const { accessToken, refreshToken } = mint('user-1')
 * ```
 */
export function createRawPairMinter(keys: RawPairKeys): (sub: string) => RawPair {
  const accessHeader = b64(JSON.stringify({ alg: 'ES256', kid: keys.signingKid, typ: 'at+jwt' }))
  const refreshHeader = b64(JSON.stringify({ alg: 'ES256', kid: keys.signingKid, typ: 'rt+jwt' }))
  const recipient = pointOf(keys.encryptionKey)
  return (sub) => {
    const iat = Math.floor(Date.now() / 1000)
    const accessToken = signJws(
      accessHeader,
      {
        iss: keys.issuer,
        sub,
        aud: keys.clientKid,
        client_id: keys.clientKid,
        iat,
        nbf: iat,
        exp: iat + 900,
        jti: randomBytes(16).toString('base64url'),
      },
      keys.signingKey,
    )
    const inner = signJws(
      refreshHeader,
      {
        iss: keys.issuer,
        aud: keys.issuer,
        sub,
        client_id: keys.clientKid,
        fid: randomBytes(16).toString('base64url'),
        jti: randomBytes(16).toString('base64url'),
        iat,
        exp: iat + 259_200,
        ext: {},
        att: 900,
        rtt: 259_200,
      },
      keys.signingKey,
    )
    return { accessToken, refreshToken: encryptJwe(inner, recipient, keys.encryptionKid) }
  }
}
