// Contract only; the implementation replaces this file.
/** Seals and opens secrets at rest (AES-256-GCM under the data key). */
export interface Keyring {
  /** Seals `plaintext`, binding it to `aad` (e.g. `key:<clientKid>:<keyId>`). */
  seal(plaintext: Uint8Array, aad: string): string
  /** Opens what `seal` made with the same `aad`; throws on any tampering. */
  open(sealed: string, aad: string): Uint8Array
}
