import { DEFAULT_ASYMMETRIC_ALGORITHMS, algorithmProfile } from '../algorithms.js'

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const

/**
 * The allow-list of one issuer, checked: never `none`, only known algs, HS* only with a
 * secret (and only the HS algs with a secret), the secret at least as long as each HS alg's
 * hash. Without a list: every asymmetric alg, or the HS algs the secret is long enough for.
 *
 * @throws TypeError naming the problem.
 */
export function resolveAlgorithms(value: unknown, secret: Uint8Array | undefined, label: string): string[] {
  if (value === undefined) {
    if (secret === undefined) return [...DEFAULT_ASYMMETRIC_ALGORITHMS]
    const fitting = HMAC_ALGORITHMS.filter((alg) => secret.length >= algorithmProfile(alg)!.minKeyBytes!)
    if (fitting.length === 0) throw shortSecret(secret, 'HS256', label)
    return fitting
  }
  if (!Array.isArray(value) || value.length === 0) throw new TypeError(`${label}algorithms must be a non-empty array`)
  const algorithms: string[] = []
  for (const alg of value as unknown[]) {
    if (typeof alg !== 'string') throw new TypeError(`${label}algorithms must hold strings`)
    if (alg.toLowerCase() === 'none') throw new TypeError(`${label}algorithms: "none" is never allowed`)
    const profile = algorithmProfile(alg)
    if (profile === undefined) throw new TypeError(`${label}algorithms: unknown algorithm "${alg}"`)
    if (profile.kty === 'oct') {
      if (secret === undefined) throw new TypeError(`${label}algorithms: ${alg} needs the secret option`)
      if (secret.length < profile.minKeyBytes!) throw shortSecret(secret, alg, label)
    } else if (secret !== undefined) {
      throw new TypeError(`${label}algorithms: a secret verifies only HS256, HS384 and HS512, not ${alg}`)
    }
    if (!algorithms.includes(alg)) algorithms.push(alg)
  }
  return algorithms
}

function shortSecret(secret: Uint8Array, alg: string, label: string): TypeError {
  const needed = algorithmProfile(alg)!.minKeyBytes!
  return new TypeError(`${label}secret is ${secret.length} bytes; ${alg} needs at least ${needed}`)
}
