/**
 * Keys and token pools for the benchmark, minted with node:crypto: one key pair per alg,
 * a pool of distinct tokens (distinct `sub` and `jti`) and one token to repeat.
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  sign,
} from 'node:crypto'

/** The algs the benchmark covers. */
export type BenchAlg = 'ES256' | 'EdDSA' | 'RS256' | 'PS256'

/** The issuer and audience of every benchmark token. */
export const ISSUER = 'https://issuer.bench'
export const AUDIENCE = 'bench'

/** A signing key and what verifiers need of it. */
export interface BenchKey {
  alg: BenchAlg
  kid: string
  privateKey: KeyObject
  publicKey: KeyObject
  /** Public JWK with kid, alg and use. */
  jwk: Record<string, unknown>
  /** SPKI PEM of the public key. */
  pem: string
}

/**
 * Generates the key of one alg (P-256, Ed25519, RSA 2048). The pair comes out as DER and
 * is re-imported: on Node 20 a JWK export of a KeyObject straight out of
 * generateKeyPairSync can deadlock the process.
 */
export function generateBenchKey(alg: BenchAlg): BenchKey {
  const publicKeyEncoding = { type: 'spki', format: 'der' } as const
  const privateKeyEncoding = { type: 'pkcs8', format: 'der' } as const
  const der =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding, privateKeyEncoding })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519', { publicKeyEncoding, privateKeyEncoding })
        : generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding, privateKeyEncoding })
  const publicKey = createPublicKey({ key: der.publicKey, format: 'der', type: 'spki' })
  const privateKey = createPrivateKey({ key: der.privateKey, format: 'der', type: 'pkcs8' })
  const kid = `bench-${alg}`
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid, alg, use: 'sig' }
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  return { alg, kid, privateKey, publicKey, jwk, pem }
}

function signature(key: BenchKey, input: string): Buffer {
  const data = Buffer.from(input)
  switch (key.alg) {
    case 'ES256':
      return sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
    case 'EdDSA':
      return sign(null, data, key.privateKey)
    case 'RS256':
      return sign('sha256', data, key.privateKey)
    case 'PS256':
      return sign('sha256', data, {
        key: key.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      })
  }
}

/** Mints one access token of `key` for subject `sub`, valid for an hour. */
export function mintToken(key: BenchKey, sub: string): string {
  const now = Math.floor(Date.now() / 1000)
  const header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })).toString('base64url')
  const claims = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub,
    scope: 'orders:read',
    iat: now,
    nbf: now,
    exp: now + 3600,
    jti: randomUUID(),
  }
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
  const input = `${header}.${payload}`
  return `${input}.${signature(key, input).toString('base64url')}`
}

/** Mints `size` distinct tokens of `key`. */
export function mintPool(key: BenchKey, size: number): string[] {
  return Array.from({ length: size }, (_, i) => mintToken(key, `user-${i}`))
}
