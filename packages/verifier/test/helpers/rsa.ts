/**
 * RSA public keys whose signatures anyone can forge, built with real arithmetic: a modulus
 * with the ROCA structure (CVE-2017-15361), and PKCS #1 v1.5 "signatures" that hold under
 * a public exponent of 1.
 */
import { createHash, getRandomValues } from 'node:crypto'

const ROCA_PRIMES = [
  3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n, 53n, 59n, 61n, 67n, 71n, 73n, 79n, 83n, 89n, 97n,
  101n, 103n, 107n, 109n, 113n, 127n, 131n, 137n, 139n, 149n, 151n, 157n, 163n, 167n,
]
const PRIMORIAL = ROCA_PRIMES.reduce((product, p) => product * p)

function power(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n
  let b = base % modulus
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus
    b = (b * b) % modulus
  }
  return result
}

function randomBig(bytes: number): bigint {
  return BigInt(`0x${Buffer.from(getRandomValues(new Uint8Array(bytes))).toString('hex')}`)
}

/** The big-endian bytes of a non-negative integer. */
export function bytesOf(value: bigint): Buffer {
  const hex = value.toString(16)
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex')
}

/**
 * A modulus of over 2048 bits built the way the flawed generator builds its primes,
 * k * M + (65537^a mod M) with M the primorial of the ROCA test's primes.
 */
export function rocaStyleModulus(): bigint {
  // The top bits set, so that the product has more than 2048 bits.
  const factor = () => (randomBig(104) | (3n << 830n)) * PRIMORIAL + power(65537n, randomBig(4), PRIMORIAL)
  return factor() * factor()
}

const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex')

/**
 * The RS256 "signature" of `input` under a key with exponent 1: the PKCS #1 v1.5 encoded
 * message itself, `modulusBytes` long. Raised to the power 1 it is what the verifier expects.
 */
export function forgeWithExponentOne(input: string, modulusBytes: number): Buffer {
  const digest = createHash('sha256').update(input).digest()
  const tail = Buffer.concat([SHA256_DIGEST_INFO, digest])
  const padding = Buffer.alloc(modulusBytes - tail.length - 3, 0xff)
  return Buffer.concat([Buffer.from([0x00, 0x01]), padding, Buffer.from([0x00]), tail])
}
