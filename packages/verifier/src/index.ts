export { createVerifier } from './create-verifier.js'
export { type VerifyErrorCode, type VerifyErrorOptions, VerifyError, isVerifyError } from './errors.js'
export { type Duration, parseDuration } from './duration.js'
export { createJwksCache, createStaticKeySet } from './jwks/index.js'
export type { VerifierEvent, VerifierEventHandler } from './events.js'
export type { KeyImporter, KeyLookup, KeySource, KeySourceStatus, KeysRemovedListener, ResolvedKey } from './key-source.js'
export type { JsonWebKeyLike, JsonWebKeySetLike } from './jwk-types.js'
export type {
  CreateJwksCacheOptions,
  CreateStaticKeySetOptions,
  JwksCache,
  JwksCacheOptions,
  StaticKeySet,
} from './jwks/types.js'
export type {
  CheckOptions,
  IssuerOptions,
  KeyInput,
  KeyObjectLike,
  KeySourceOptions,
  TokenCacheOptions,
  VerifierOptions,
} from './options.js'
export type { JwtHeader, JwtPayload, Verifier, VerifierSourceStatus, VerifierStatus, VerifyResult } from './types.js'
