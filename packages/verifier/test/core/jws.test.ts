import { describe, expect, it } from 'vitest'
import { nodeBackend } from '../../src/backend/node.js'
import { webCryptoBackend } from '../../src/backend/webcrypto.js'
import { createJwsVerifier } from '../../src/core/jws.js'
import { VerifyError, type VerifyErrorCode } from '../../src/errors.js'
import { createStaticKeySet } from '../../src/jwks/index.js'
import { BACKENDS } from '../helpers/backends.js'
import { keyPair, newKeyPair } from '../helpers/keys.js'
import { AUDIENCE, b64url, ISSUER, signRaw } from '../helpers/tokens.js'

const PATHS = [
  { name: 'webcrypto', backend: webCryptoBackend, createVerifier: BACKENDS[0]!.createVerifier },
  { name: 'node', backend: nodeBackend, createVerifier: BACKENDS[1]!.createVerifier },
]

async function codeOf(attempt: () => unknown): Promise<VerifyErrorCode | 'accepted'> {
  try {
    await attempt()
    return 'accepted'
  } catch (err) {
    expect(err).toBeInstanceOf(VerifyError)
    return (err as VerifyError).code
  }
}

describe.each(PATHS)('createJwsVerifier ($name)', ({ backend, createVerifier }) => {
  const pair = keyPair('ES256')
  const other = keyPair('EdDSA')
  const jws = createJwsVerifier({ maxTokenLength: 1024, algorithms: new Set(['ES256']), backend })
  const source = createStaticKeySet({ keys: [pair.jwk] }, { algorithms: ['ES256'], importKey: backend.importJwk })
  const header = b64url(JSON.stringify({ alg: 'ES256', kid: pair.kid }))

  it('verifies a JWS whatever its payload, and gives back the key that verified it', async () => {
    for (const payload of ['', b64url('not JSON'), b64url(Uint8Array.from([0, 255, 1]))]) {
      const parsed = jws.parse(signRaw('ES256', pair.privateKey, header, payload))
      expect(parsed.payload).toBe(payload)
      expect((await jws.checkSignature(parsed, source)).kid).toBe(pair.kid)
    }
  })

  it('refuses an alg outside the allow-list before any key is looked up', async () => {
    const token = signRaw('EdDSA', other.privateKey, b64url(JSON.stringify({ alg: 'EdDSA', kid: pair.kid })), b64url('{}'))
    expect(await codeOf(() => jws.parse(token))).toBe('ERR_ALG_NOT_ALLOWED')
  })

  it('refuses a signature by another key, and an out-of-range ECDSA one', async () => {
    const forged = signRaw('ES256', newKeyPair('ES256').privateKey, header, b64url('{}'))
    expect(await codeOf(() => jws.checkSignature(jws.parse(forged), source))).toBe('ERR_SIGNATURE_INVALID')
    const zero = `${header}.${b64url('{}')}.${b64url(new Uint8Array(64))}`
    expect(await codeOf(() => jws.checkSignature(jws.parse(zero), source))).toBe('ERR_SIGNATURE_INVALID')
  })

  it('is what createVerifier runs: an empty payload passes the signature level, not the claims', async () => {
    const token = signRaw('ES256', pair.privateKey, header, '')
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: pair.jwk, algorithms: ['ES256'] })
    expect(await codeOf(() => verifier.verify(token))).toBe('ERR_TOKEN_MALFORMED')
    verifier.close()
  })
})

