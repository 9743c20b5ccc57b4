import { execFileSync } from 'node:child_process'
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { VerifyError } from '../../src/errors.js'
import type { KeyInput, VerifierOptions } from '../../src/options.js'
import { BACKENDS } from '../helpers/backends.js'
import { generateDerKeyPair } from '../helpers/der-key-pair.mjs'
import { keyPair, newKeyPair } from '../helpers/keys.js'
import { AUDIENCE, b64url, claimsText, ISSUER, mint, signRaw } from '../helpers/tokens.js'

function thumbprint(jwk: Record<string, unknown>): string {
  const members = jwk['kty'] === 'EC' ? ['crv', 'kty', 'x', 'y'] : jwk['kty'] === 'RSA' ? ['e', 'kty', 'n'] : ['crv', 'kty', 'x']
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]])))
  return createHash('sha256').update(canonical).digest('base64url')
}

/** A self-signed certificate made by the openssl CLI, or undefined when it is absent. */
function certificate(): { pem: string; privateKeyPem: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'verifier-cert-'))
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' })
    return { pem: readFileSync(join(dir, 'cert.pem'), 'utf8'), privateKeyPem: readFileSync(join(dir, 'key.pem'), 'utf8') }
  } catch {
    console.log('openssl is not available: skipping the certificate test')
    return undefined
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function code(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (err: unknown) => (err instanceof VerifyError ? err.code : String(err)),
  )
}

describe.each(BACKENDS)('keys option ($name)', ({ name, createVerifier }) => {
  const verifierFor = (keys: KeyInput | KeyInput[], options: Partial<VerifierOptions> = {}) =>
    createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys, ...options })

  it('accepts a public key as JWK, SPKI PEM, KeyObject and CryptoKey', async () => {
    const pair = keyPair('ES256')
    const token = await mint(pair)
    const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }) as string
    const extractable = await crypto.subtle.importKey('jwk', pair.jwk as JsonWebKey, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify'])
    const sealed = await crypto.subtle.importKey('jwk', pair.jwk as JsonWebKey, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
    for (const key of [pair.jwk, pem, pair.publicKey, extractable, sealed] as KeyInput[]) {
      expect((await verifierFor(key).verify(token)).payload.sub).toBe('user-1')
    }
  })

  it('accepts RSA and Ed25519 PEMs, and serves each alg that fits the key', async () => {
    const rsa = keyPair('RS256')
    const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string
    const verifier = verifierFor(pem, { algorithms: ['RS256', 'PS384'] })
    expect((await verifier.verify(await mint(rsa))).payload).toMatchObject({ sub: 'user-1' })
    expect((await verifier.verify(await mint({ ...rsa, alg: 'PS384' }))).payload).toMatchObject({ sub: 'user-1' })
    const ed = keyPair('EdDSA')
    await verifierFor(ed.publicKey.export({ format: 'pem', type: 'spki' }) as string).verify(await mint(ed))
  })

  it('accepts an X.509 certificate PEM', async () => {
    const cert = certificate()
    if (cert === undefined) return
    const privateKey = (await import('node:crypto')).createPrivateKey(cert.privateKeyPem)
    const publicKey = createPublicKey(cert.pem)
    const token = await mint({ alg: 'ES256', kid: 'c', privateKey, publicKey, jwk: {} })
    expect((await verifierFor(cert.pem).verify(token)).payload.iss).toBe(ISSUER)
  })

  it('selects a key by kid, or by RFC 7638 thumbprint for keys given without one', async () => {
    const a = newKeyPair('ES256', { kid: 'a' })
    const b = newKeyPair('ES256', { kid: 'b' })
    const byKid = verifierFor([a.jwk, b.jwk])
    await byKid.verify(await mint(a))
    await byKid.verify(await mint(b))
    expect(await code(byKid.verify(await mint(a, { header: { kid: 'c' } })))).toBe('ERR_KID_UNKNOWN')
    expect(await code(byKid.verify(await mint(a, { header: { kid: 'b' } })))).toBe('ERR_SIGNATURE_INVALID')
    expect(await code(byKid.verify(await mint(a, { header: { kid: undefined } })))).toBe('ERR_KID_UNKNOWN')

    const pems = [a.publicKey.export({ format: 'pem', type: 'spki' }), b.publicKey.export({ format: 'pem', type: 'spki' })] as string[]
    const byThumbprint = verifierFor(pems)
    await byThumbprint.verify(await mint(a, { header: { kid: thumbprint(a.jwk) } }))
    await byThumbprint.verify(await mint(b, { header: { kid: thumbprint(b.jwk) } }))
    expect(await code(byThumbprint.verify(await mint(a, { header: { kid: 'other' } })))).toBe('ERR_KID_UNKNOWN')
  })

  it('lets the one key given without a kid serve tokens of any kid, and tokens without one', async () => {
    const pair = keyPair('ES256')
    const verifier = verifierFor(pair.publicKey)
    expect((await verifier.verify(await mint(pair, { header: { kid: 'whatever' } }))).payload).toMatchObject({ sub: 'user-1' })
    expect((await verifier.verify(await mint(pair, { header: { kid: undefined } }))).payload).toMatchObject({ sub: 'user-1' })
    const named = verifierFor(pair.jwk)
    await named.verify(await mint(pair, { header: { kid: undefined } }))
  })

  it('refuses an alg that fits none of the keys', async () => {
    const verifier = verifierFor(keyPair('ES256').jwk, { algorithms: ['ES256', 'RS256'] })
    expect(await code(verifier.verify(await mint(keyPair('RS256'))))).toBe('ERR_ALG_NOT_ALLOWED')
  })

  it('refuses private keys, secrets and garbage at construction, without echoing them', () => {
    const pair = keyPair('ES256')
    const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
    const privateJwk = pair.privateKey.export({ format: 'jwk' })
    const attempts: [unknown, RegExp][] = [
      [privatePem, /private key/],
      [privateJwk, /private key/],
      [pair.privateKey, /private key/],
      [{ kty: 'oct', k: 'c2VjcmV0' }, /secret option/],
      [{ kty: 'EC', crv: 'P-256' }, /lacks/],
      [{ kty: 'XYZ' }, /unsupported kty/],
      ['not a key', /neither a PEM nor a JWK/],
      [42, /not a key/],
      [[], /at least one key/],
    ]
    for (const [key, message] of attempts) {
      let error: unknown
      try {
        verifierFor(key as KeyInput)
      } catch (err) {
        error = err
      }
      expect(error, String(message)).toBeInstanceOf(TypeError)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).not.toContain('PRIVATE KEY-----')
      expect((error as Error).message).not.toContain(String(privateJwk.d))
    }
  })

  it('refuses a key that fits none of the allowed algs', async () => {
    const key = keyPair('ES384').jwk
    if (name === 'node') {
      expect(() => verifierFor(key, { algorithms: ['ES256'] })).toThrow(/fits none of the allowed algorithms/)
    } else {
      const verifier = verifierFor(key, { algorithms: ['ES256'] })
      const failure = await verifier.verify(await mint(keyPair('ES256'))).catch((err: VerifyError) => err)
      expect(failure).toBeInstanceOf(VerifyError)
      expect((failure as VerifyError).code).toBe('ERR_KEYS_UNAVAILABLE')
      expect(verifier.status()).toMatchObject({ loaded: false })
    }
  })

  it('refuses RSA keys under 2048 bits', async () => {
    const weak = generateDerKeyPair('rsa', { modulusLength: 1024 })
    const jwk = weak.publicKey.export({ format: 'jwk' })
    if (name === 'node') {
      expect(() => verifierFor(jwk, { algorithms: ['RS256'] })).toThrow(/1024-bit RSA key/)
    } else {
      const verifier = verifierFor(jwk, { algorithms: ['RS256'] })
      const token = signRaw('RS256', weak.privateKey, b64url('{"alg":"RS256"}'), b64url(claimsText()))
      expect(await code(verifier.verify(token))).toBe('ERR_KEYS_UNAVAILABLE')
    }
  })

  it('refuses two keys under one kid at construction, whatever their algs', () => {
    const a = newKeyPair('ES256', { kid: 'same' })
    const b = newKeyPair('ES256', { kid: 'same' })
    const rsa = newKeyPair('RS256', { kid: 'same' })
    expect(() => verifierFor([a.jwk, b.jwk])).toThrow(/keys\[1\] repeats the kid "same"/)
    expect(() => verifierFor([a.jwk, keyPair('ES384').jwk, rsa.jwk], { algorithms: ['ES256', 'ES384', 'RS256'] })).toThrow(
      /keys\[2\] repeats the kid "same"/,
    )
  })

  it.runIf(name === 'node')('takes a public KeyObject straight out of generateKeyPairSync, many times over', async () => {
    // On Node 20 the thumbprint's JWK export of such a key could deadlock (see copyThroughDer).
    const pair = keyPair('ES256')
    const token = await mint(pair, { header: { kid: undefined } })
    for (let i = 0; i < 300; i++) {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const verifier = verifierFor([pair.publicKey, publicKey])
      expect(await code(verifier.verify(await mint(pair, { header: { kid: thumbprint(pair.jwk) } })))).toBe('accepted')
      if (i === 0) expect(await code(verifier.verify(token))).toBe('ERR_KID_UNKNOWN')
    }
  })
})
