export { type Authenticate, type AuthOptions, createAuthenticator } from './authenticate.js'
export { type ClaimExpectation, type ClaimValue, failingClaim, grantedScopes, hasScopes } from './checks.js'
export { AUTH_ERROR_STATUS, AuthError, type AuthErrorCode, type AuthErrorOptions, isAuthError } from './errors.js'
export type { TokenLocations } from './extract/token.js'
export type { IssuerConnectionOptions } from './issuer-connection.js'
export {
  createResourceLinks,
  type LinkMiddlewareOptions,
  type ResourceLinks,
  type ResourceLinksOptions,
  type SignLinkOptions,
} from './links/create-resource-links.js'
export { type AuthMiddlewareOptions, optionalAuth, requireAuth } from './require-auth.js'
export { authErrorHandler, sendAuthError } from './respond.js'
export {
  createTokenSession,
  type LoginOptions,
  type TokenSession,
  type TokenSessionCookies,
  type TokenSessionOptions,
} from './session/create-token-session.js'
export type { AuthClaims, AuthPayload, AuthResult } from './types.js'
export type { VerifierInput, VerifierSource } from './verifier-option.js'
