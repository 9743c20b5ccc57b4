export { createJwksCache } from './create-jwks-cache.js'
export { createStaticKeySet } from './create-static-key-set.js'
export type {
  CreateJwksCacheOptions,
  CreateStaticKeySetOptions,
  Duration,
  JsonWebKeyLike,
  JsonWebKeySetLike,
  JwksCache,
  JwksCacheOptions,
  StaticKeySet,
} from './types.js'
