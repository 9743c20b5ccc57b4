import { createCipheriv, randomBytes, scryptSync } from 'node:crypto'

/**
 * The keyring meta a store made before rows carried MACs holds: version 1, scrypt at the
 * old cost (N 2^15), the data key wrapped with the v1 associated data. Built here with
 * node:crypto alone, as that version wrote it, so the tests show such stores still open.
 */
export function legacyKeyringMeta(password: string, dataKey: Buffer = randomBytes(32)): string {
  const kdf = { name: 'scrypt', N: 2 ** 15, r: 8, p: 1, salt: randomBytes(16).toString('base64url') }
  const kek = scryptSync(password, Buffer.from(kdf.salt, 'base64url'), 32, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 64 * 1024 * 1024 })
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', kek, iv)
  cipher.setAAD(Buffer.from('jwtis keyring v1: data key', 'utf8'))
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()])
  const wrapped = Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')
  return JSON.stringify({ v: 1, kdf, wrapped })
}
