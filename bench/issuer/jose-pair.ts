/**
 * The peer beside the limits: the same token pairs made and renewed in-process with jose
 * (ES256 access JWT; ES256 refresh JWT encrypted ECDH-ES+A256KW / A256GCM).
 */
import { type KeyObject, randomBytes } from 'node:crypto'
import { CompactEncrypt, compactDecrypt, jwtVerify, SignJWT } from 'jose'

/** The keys and names jose makes pairs with. */
export interface JosePairKeys {
  signingKey: KeyObject
  verifyingKey: KeyObject
  encryptionKey: KeyObject
  decryptionKey: KeyObject
  issuer: string
  clientKid: string
}

/** A pair and a renew made with jose. */
export interface JosePairs {
  mint(sub: string): Promise<{ accessToken: string; refreshToken: string }>
  renew(refreshToken: string): Promise<{ accessToken: string; refreshToken: string }>
}

/**
 * Pair making and renewing with jose.
 *
 * @example
 * ```ts
 * const jose = createJosePairs(keys)
 * const next = await jose.renew((await jose.mint('user-1')).refreshToken)
 * ```
 */
export function createJosePairs(keys: JosePairKeys): JosePairs {
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()
  async function mint(sub: string): Promise<{ accessToken: string; refreshToken: string }> {
    const accessToken = await new SignJWT({ client_id: keys.clientKid })
      .setProtectedHeader({ alg: 'ES256', kid: 'sig-1', typ: 'at+jwt' })
      .setIssuer(keys.issuer)
      .setSubject(sub)
      .setAudience(keys.clientKid)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime('15m')
      .setJti(randomBytes(16).toString('base64url'))
      .sign(keys.signingKey)
    const inner = await new SignJWT({
      client_id: keys.clientKid,
      fid: randomBytes(16).toString('base64url'),
      ext: {},
      att: 900,
      rtt: 259_200,
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'sig-1', typ: 'rt+jwt' })
      .setIssuer(keys.issuer)
      .setAudience(keys.issuer)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('3d')
      .setJti(randomBytes(16).toString('base64url'))
      .sign(keys.signingKey)
    const refreshToken = await new CompactEncrypt(encoder.encode(inner))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'enc-1', cty: 'JWT' })
      .encrypt(keys.encryptionKey)
    return { accessToken, refreshToken }
  }
  return {
    mint,
    async renew(refreshToken) {
      const { plaintext } = await compactDecrypt(refreshToken, keys.decryptionKey, {
        keyManagementAlgorithms: ['ECDH-ES+A256KW'],
        contentEncryptionAlgorithms: ['A256GCM'],
      })
      const { payload } = await jwtVerify(decoder.decode(plaintext), keys.verifyingKey, {
        issuer: keys.issuer,
        audience: keys.issuer,
        algorithms: ['ES256'],
        typ: 'rt+jwt',
      })
      return mint(payload.sub as string)
    },
  }
}
