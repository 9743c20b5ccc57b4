export { createJwksCache } from './create-jwks-cache.js'
export { createStaticKeySet } from './create-static-key-set.js'
export type {
  CreateJwksCacheOptions,
  CreateStaticKeySetOptions,
  JwksCache,
  JwksCacheOptions,
  StaticKeySet,
} from './types.js'
