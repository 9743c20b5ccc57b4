import { createVerifier, type VerifierEvent } from '@jwtis/verifier'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { api, issuePair, registerClient } from '../helpers/api.js'
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js'

function headerKid(token: string): string {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')).kid
}

describe('rotation seen by a verifier that warmed its cache before it', () => {
  let t: TestIssuer
  beforeEach(async () => {
    t = await startTestIssuer({ maintenanceInterval: 0 })
  })
  afterEach(async () => {
    await t.close()
  })

  it('verifies tokens signed after the rotation with zero extra JWKS fetches, and the old ones still', async () => {
    const client = await registerClient(t, 'shop')
    const fetches: number[] = []
    const verifier = createVerifier({
      issuer: 'JWTIS',
      audience: 'shop',
      jwksUri: `${t.url}/jwks/shop`,
      algorithms: ['ES256'],
      typ: 'at+jwt',
      onEvent: (event: VerifierEvent) => {
        if (event.type === 'jwks_fetch') fetches.push(event.status)
      },
    })
    try {
      const before = await issuePair(t, client)
      await verifier.verify(before.access_token)
      expect(fetches).toEqual([200])

      const rotated = await api(t.url, 'POST', '/keys/shop/rotate', { token: t.adminToken })
      expect(rotated.status).toBe(200)
      const after = await issuePair(t, client)
      expect(headerKid(after.access_token)).not.toBe(headerKid(before.access_token))

      const { payload } = await verifier.verify(after.access_token)
      expect(payload.sub).toBe('user-1')
      await verifier.verify(before.access_token)
      expect(fetches).toEqual([200])
    } finally {
      verifier.close()
    }
  })
})
