import type { KeyImporter } from '../key-source.js'
import type { KeyInput } from '../options.js'

/**
 * Checks one signature with one key for one algorithm. Built once per key and alg, so the
 * hot path only encodes the signing input and calls the runtime's verify.
 */
export type SignatureCheck = (signingInput: string, signature: Uint8Array) => boolean | Promise<boolean>

/** A configured local key, described well enough to match it to algs and kids. */
export interface LocalKeyMaterial {
  /** The `kid` the JWK carried, if any. */
  kid: string | undefined
  /** The RFC 7638 thumbprint, when the key could be exported; matches issuer-made kids. */
  thumbprint: string | undefined
  /** The JWK key type. */
  kty: string
  /** The curve, for EC and OKP keys. */
  crv: string | undefined
  /** Builds the check for one alg; throws when the key does not fit it. */
  importFor(alg: string): SignatureCheck | Promise<SignatureCheck>
}

/** What the verifier needs of a runtime: key import, signature checks, text decoding. */
export interface CryptoBackend {
  /** Imports a public JWK for an alg; resolves with a {@link SignatureCheck}. */
  importJwk: KeyImporter
  /**
   * Reads a configured key. Throws a TypeError synchronously for what can be seen at once
   * (a private key, a secret, garbage); the rest may reject later.
   */
  loadLocalKey(input: KeyInput, label: string): LocalKeyMaterial | Promise<LocalKeyMaterial>
  /** Builds the HMAC check of a secret for an HS alg. */
  importSecret(secret: Uint8Array, alg: string): SignatureCheck | Promise<SignatureCheck>
  /** Decodes canonical base64url into UTF-8 text; undefined when the bytes are not UTF-8. */
  decodeText(part: string): string | undefined
  /** Decodes canonical base64url into bytes. */
  decodeBytes(part: string): Uint8Array
}
