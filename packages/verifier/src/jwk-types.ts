/**
 * The JSON shapes of JWKs and JWK Sets, as documents carry them. A leaf of the import graph:
 * the key sources, the JWKS cache and the crypto backends all read these shapes.
 */

/** A JWK as found in a JWKS document. Unknown members are kept and ignored. */
export interface JsonWebKeyLike {
  kty?: string
  kid?: string
  alg?: string
  use?: string
  key_ops?: string[]
  crv?: string
  x?: string
  y?: string
  n?: string
  e?: string
  k?: string
  [member: string]: unknown
}

/** A JWK Set document. */
export interface JsonWebKeySetLike {
  keys: JsonWebKeyLike[]
}
