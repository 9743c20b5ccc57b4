/**
 * The Concat KDF of JWE ECDH-ES (NIST SP 800-56A section 5.8.1, as RFC 7518 section 4.6.2
 * uses it): SHA-256 rounds over a counter, the shared secret and OtherInfo.
 */
import { createHash } from 'node:crypto'

function lengthPrefixed(data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  return Buffer.concat([length, data])
}

// OtherInfo depends only on the alg id and the key length: built once each.
const otherInfos = new Map<string, Buffer>()

/**
 * OtherInfo = AlgorithmID || PartyUInfo || PartyVInfo || SuppPubInfo, each of the first
 * three a 32-bit big-endian length and its bytes. The issuer sets no `apu`/`apv`, so both
 * party infos are empty; SuppPubInfo is the key length in bits.
 */
function otherInfoOf(algorithmId: string, keyLength: number): Buffer {
  const name = `${algorithmId}/${keyLength}`
  let info = otherInfos.get(name)
  if (info === undefined) {
    const bits = Buffer.alloc(4)
    bits.writeUInt32BE(keyLength * 8)
    const empty = Buffer.alloc(0)
    info = Buffer.concat([lengthPrefixed(Buffer.from(algorithmId, 'ascii')), lengthPrefixed(empty), lengthPrefixed(empty), bits])
    otherInfos.set(name, info)
  }
  return info
}

/**
 * Derives `keyLength` bytes from an ECDH shared secret. `algorithmId` is the JWE `alg` for
 * ECDH-ES+AxxxKW (the key-wrapping key) and the `enc` for direct ECDH-ES (the content key).
 *
 * @example
 * ```ts
 * const kek = concatKdf(sharedSecret, 'ECDH-ES+A256KW', 32)
 * ```
 */
export function concatKdf(sharedSecret: Uint8Array, algorithmId: string, keyLength: number): Buffer {
  const info = otherInfoOf(algorithmId, keyLength)
  const rounds = Math.ceil(keyLength / 32)
  const output = Buffer.alloc(rounds * 32)
  const counter = Buffer.alloc(4)
  for (let round = 1; round <= rounds; round++) {
    counter.writeUInt32BE(round)
    createHash('sha256')
      .update(counter)
      .update(sharedSecret)
      .update(info)
      .digest()
      .copy(output, (round - 1) * 32)
  }
  if (rounds * 32 === keyLength) return output
  const key = Buffer.from(output.subarray(0, keyLength))
  output.fill(0)
  return key
}
