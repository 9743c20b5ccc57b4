/**
 * Compile-time checks of the public types (run by `pnpm typecheck`): `req.auth` is typed on
 * Express's Request, and claims added to `AuthClaims` reach `req.auth.payload`.
 */
import type { JwtHeader } from '@jwtis/verifier'
import type { Request, RequestHandler } from 'express'
import { expectTypeOf } from 'vitest'
import { type AuthError, type AuthResult, createAuthenticator, requireAuth } from '../src/index.js'

declare module '../src/index.js' {
  interface AuthClaims {
    role?: 'admin' | 'member'
  }
}

declare const req: Request
expectTypeOf(req.auth).toEqualTypeOf<AuthResult | undefined>()
expectTypeOf(req.resource).toEqualTypeOf<string | undefined>()
expectTypeOf(req.auth!.payload.role).toEqualTypeOf<'admin' | 'member' | undefined>()
expectTypeOf(req.auth!.payload.sub).toEqualTypeOf<string | undefined>()
expectTypeOf(req.auth!.protectedHeader).toEqualTypeOf<JwtHeader>()
expectTypeOf(req.auth!.token).toEqualTypeOf<string>()

expectTypeOf(requireAuth({ issuer: 'JWTIS', audience: 'shop', jwksUri: 'https://id.example.test/jwks' })).toEqualTypeOf<RequestHandler>()
expectTypeOf(createAuthenticator).returns.returns.resolves.toEqualTypeOf<AuthResult | undefined>()
expectTypeOf<AuthError['status']>().toEqualTypeOf<number>()
