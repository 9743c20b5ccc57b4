/**
 * Flaws that make an RSA public key worthless to a verifier whatever its size: signatures
 * under it can be forged by anyone.
 */

/**
 * The small primes of the ROCA test. Moduli made by the flawed Infineon key generator
 * (CVE-2017-15361) are, modulo each of these primes, a power of 65537.
 */
const PRIMES = [
  3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127,
  131, 137, 139, 149, 151, 157, 163, 167,
] as const

/** Per prime p, a flag for each residue that is a power of 65537 modulo p. */
const POWERS_OF_65537: readonly Uint8Array[] = PRIMES.map((p) => {
  const powers = new Uint8Array(p)
  let power = 1
  do {
    powers[power] = 1
    power = (power * (65537 % p)) % p
  } while (power !== 1)
  return powers
})

/**
 * True when an RSA modulus (big-endian bytes) has the ROCA fingerprint: such keys can be
 * factored, so a verifier must not trust them. A sound modulus fails the test for some
 * prime almost surely (the false positive rate is negligible); a ROCA one passes for all.
 */
export function hasRocaFingerprint(modulus: Uint8Array): boolean {
  for (let i = 0; i < PRIMES.length; i++) {
    const p = PRIMES[i]!
    let residue = 0
    for (let j = 0; j < modulus.length; j++) residue = (residue * 256 + modulus[j]!) % p
    if (POWERS_OF_65537[i]![residue] !== 1) return false
  }
  return true
}

/**
 * True when a public exponent (big-endian bytes) is odd and at least 3. An exponent of 1
 * makes every signature its own message representative, so anyone can forge one; an even
 * exponent is no RSA key at all.
 */
export function isSoundExponent(exponent: Uint8Array): boolean {
  let start = 0
  while (start < exponent.length && exponent[start] === 0) start++
  if (start === exponent.length) return false
  if (start === exponent.length - 1 && exponent[start]! < 3) return false
  return (exponent[exponent.length - 1]! & 1) === 1
}

/**
 * Why an RSA public key must not be trusted, or undefined when neither flaw is found. The
 * modulus is undefined when the key does not show it (a non-extractable CryptoKey).
 */
export function rsaKeyFlaw(modulus: Uint8Array | undefined, exponent: Uint8Array): string | undefined {
  if (!isSoundExponent(exponent)) return 'has a public exponent that is even or under 3'
  if (modulus !== undefined && hasRocaFingerprint(modulus)) return 'has the ROCA flaw (CVE-2017-15361)'
  return undefined
}
