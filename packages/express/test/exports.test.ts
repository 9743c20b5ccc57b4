import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { typeExports } from '../../../test/helpers/type-exports.js'
import * as entry from '../src/index.js'

describe('public surface', () => {
  it('exports these values', () => {
    expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
      [
        "AUTH_ERROR_STATUS",
        "AuthError",
        "authErrorHandler",
        "createAuthenticator",
        "createResourceLinks",
        "createTokenSession",
        "failingClaim",
        "grantedScopes",
        "hasScopes",
        "isAuthError",
        "optionalAuth",
        "requireAuth",
        "sendAuthError",
      ]
    `)
  })

  it('exports these types', () => {
    expect(typeExports(new URL('../src/index.ts', import.meta.url))).toMatchInlineSnapshot(`
      [
        "AuthClaims",
        "AuthErrorCode",
        "AuthErrorOptions",
        "AuthMiddlewareOptions",
        "AuthOptions",
        "AuthPayload",
        "AuthResult",
        "Authenticate",
        "ClaimExpectation",
        "ClaimValue",
        "IssuerConnectionOptions",
        "LinkMiddlewareOptions",
        "LoginOptions",
        "ResourceLinks",
        "ResourceLinksOptions",
        "SignLinkOptions",
        "TokenLocations",
        "TokenSession",
        "TokenSessionCookies",
        "TokenSessionOptions",
        "VerifierInput",
        "VerifierSource",
      ]
    `)
  })

  it('keeps the index to named re-exports', () => {
    const source = readFileSync(new URL('../src/index.ts', import.meta.url), 'utf8')
    const statements = source.split(/\n(?=export )/).map((s) => s.trim()).filter(Boolean)
    for (const statement of statements) expect(statement).toMatch(/^export (type )?\{[^}]*\} from '\.\/[\w/.-]+\.js'$/)
  })
})

describe('dependencies', () => {
  it('depends on the verifier and the client only; express is a peer of 4 and 5', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Record<string, Record<string, string>>
    expect(Object.keys(manifest['dependencies']!).sort()).toEqual(['@jwtis/client', '@jwtis/verifier'])
    expect(manifest['peerDependencies']!['express']).toBe('^4.17.0 || ^5.0.0')
  })
})
